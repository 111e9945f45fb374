window.ENV = {
    "API_URL":"http://localhost:8080",
    "API_KEY":"	43fbc9b33302db65d58553e27d1679ac"
  }
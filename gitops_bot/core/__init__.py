"""What every layer shares: value types, the expected failures and their exit codes, instants,
the one logger and its redaction, secrets, files and settings declarations. Imports nothing of ours."""

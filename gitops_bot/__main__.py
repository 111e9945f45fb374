from gitops_bot.cli import main

raise SystemExit(main())

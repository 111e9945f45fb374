"""What each command does, as a thin use case, one module a command, each called one way:
``run(request) -> Result``, where ``Request`` holds the command's arguments (each named as the
command line's parser names it) and the result is the typed value every surface renders. A
command that works on a GitOps repository opens its sessions through
:mod:`.request`. The CLI (:data:`gitops_bot.cli.COMMANDS`) and the Action call ``run``;
``watch`` and a fleet keep an :class:`.update.Updater` per repository and run the update in it
cycle after cycle."""

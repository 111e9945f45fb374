"""Where changes go: the forge port (:mod:`.forge`: change requests, the commit pusher, the
retry and listing bounds every forge shares), one package per forge holding everything about
it (its adapter, its release-contents comparison, its merge subjects), and the registry
(:mod:`.registry`) that names them — adding a forge is one folder and one registry line."""

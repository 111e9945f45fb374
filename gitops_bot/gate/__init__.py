"""Is a release live and healthy? The gate port (:mod:`.port`) and its Argo CD adapter
(:mod:`.argocd`), asked before a promotion and by soak and automatic rollback."""

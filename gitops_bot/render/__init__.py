"""What the cluster would get: the real ``kubectl kustomize`` and ``helm template`` run over an
overlay, and the diff of two renders."""

"""Where an image is written and how to change it byte-exactly: Kustomize, workloads, Helm
values, marker comments and pinned chart versions. Text in, text out; no I/O."""

"""An ApplicationSet's generated Applications are read to a bound a file (MAX_APPLICATIONS), the
rest said in one line: a clusters generator whose selector lists several ``In`` expressions makes
a parameter set per combination of their values, and every combination was made before the bound
was applied. Eight expressions of ten values, a file of 1 kB, are 10^8 sets: gigabytes, minutes."""

from __future__ import annotations

from gitops_bot.manifests import argocd_appsets

EXPRESSIONS = "".join(
    f"        - {{key: {k}, operator: In, values: [{', '.join(f'{k}{i}' for i in range(10))}]}}\n"
    for k in "abcdefgh"
)
APPSET = f"""apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: web
spec:
  generators:
  - clusters:
      selector:
        matchExpressions:
{EXPRESSIONS}  - list:
      elements:
      - {{env: dev}}
  template:
    metadata:
      name: 'web-{{{{metadata.labels.a}}}}'
    spec:
      source:
        repoURL: https://github.com/acme/deploy.git
        targetRevision: HEAD
        path: base
      destination:
        server: '{{{{server}}}}'
        namespace: web
"""


def test_a_cluster_selector_of_many_combinations_is_bounded_as_it_is_made() -> None:
    got = list(argocd_appsets.generate(APPSET, "apps/web.yaml", lambda _: []))
    generated = [g for _, g in got if not isinstance(g, str)]
    said = [g for _, g in got if isinstance(g, str)]
    bound = argocd_appsets.MAX_APPLICATIONS
    assert len(generated) == bound
    assert said == [
        f"web generates more than {bound} Applications, the most read of one file; those past it are not read"
    ]

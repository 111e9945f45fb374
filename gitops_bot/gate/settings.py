"""The gates' servers, as gitops-bot.yaml writes them: the Argo CD server (``argocd:``), the
Applications an environment names, and the metrics server (``metrics:``). Each environment's
metrics and web gates (``gates:``) are declared in :mod:`.conditions`, which loads only for a
file that writes them.

Apart from the gates themselves: every command reads the configuration, while only the
environments with a gate ask one, so reading these settings loads no gate and no HTTP client.
"""

from __future__ import annotations

from gitops_bot.core.record import record
from gitops_bot.core.settings import URL, matches, setting

SELECTED = "applications matching"  # how a selector's set is named: "applications matching env=prod"


@record
class Applications:
    """The Applications that deploy one environment: named (one, or several such as one per
    cluster), or every Application matching a Kubernetes label selector (what an
    ApplicationSet generates, when its template labels them). The gate opens only when each
    one passes."""

    names: tuple[str, ...] = ()
    selector: str | None = None

    def __str__(self) -> str:
        return f"{SELECTED} {self.selector}" if self.selector else ", ".join(self.names)

    @property
    def single(self) -> str | None:
        """The one named Application (None: several, or a selector)."""
        return self.names[0] if len(self.names) == 1 and not self.selector else None


@record
class ArgoCDConfig:
    """The Argo CD API the promotion gate asks (``GET /api/v1/applications/NAME``)."""

    server: str | None = setting(
        None,
        "The Argo CD server the gates ask, e.g. https://argocd.example.com.",
        rules=(matches(URL, "argocd server {value!r} must be a URL, e.g. https://argocd.example.com"),),
    )
    token_env: str = setting("ARGOCD_AUTH_TOKEN", "Default ARGOCD_AUTH_TOKEN.")
    insecure: bool = setting(False, "Skip TLS verification (a self-signed Argo CD server).")
    # Applications outside the control plane's namespace ("apps in any namespace"): sent as
    # ?appNamespace=; an application named NAMESPACE/NAME (the argocd CLI's form) overrides it.
    app_namespace: str | None = setting(
        None,
        "The namespace of the gated Applications when they live outside Argo CD's own "
        "(apps in any namespace); sent as ?appNamespace=. An argocd_application written "
        "NAMESPACE/NAME overrides it.",
    )


@record
class MetricsConfig:
    """The Prometheus-compatible server the metrics gates ask (``metrics:``)."""

    url: str | None = setting(
        None,
        "The server's base URL: https://prometheus.example.com, or a prefix such as "
        "https://mimir.example.com/prometheus (Thanos, Mimir and VictoriaMetrics answer the same API).",
        rules=(matches(URL, "metrics url {value!r} must be a URL, e.g. https://prometheus.example.com"),),
    )
    token_env: str | None = setting(None, "The variable holding a bearer token (sent to url's origin only).")
    username_env: str | None = setting(None, "The variable holding the basic-auth user name.")
    password_env: str | None = setting(None, "The variable holding the basic-auth password.")
    ca_file: str | None = setting(None, "A private CA's PEM, relative to gitops-bot.yaml.")
    cert_file: str | None = setting(None, "mTLS: the client certificate's PEM, relative to gitops-bot.yaml.")
    key_file: str | None = setting(None, "mTLS: the client key's PEM, relative to gitops-bot.yaml.")
    insecure: bool = setting(False, "Skip TLS verification (a self-signed server).")

"""Amazon ECR (``ACCOUNT.dkr.ecr.REGION.amazonaws.com``): ``DescribeImages`` of the tag, its
``imagePushedAt`` and ``imageDigest``, asked of ECR's API (``api.ecr.REGION.amazonaws.com``,
or ``AWS_ENDPOINT_URL_ECR``) with the workload's AWS identity, the same login the registry is
read with (``auth: aws``; :class:`~gitops_bot.registry.cloud.aws.AwsApi` signs the request).

The identity needs ``ecr:DescribeImages`` on the repository (AmazonEC2ContainerRegistryReadOnly
has it). A registry read with a docker credential helper's password has no identity to sign
with: its push times are unknown, and the reason says to set ``auth: aws``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gitops_bot.registry.cloud.aws import (
    CA_SETTING,
    JSON_11,
    PRIVATE_TARGET,
    AwsApi,
    domain,
    endpoint,
    error_code,
    parse_host,
)
from gitops_bot.registry.cloud.base import LoginFailed
from gitops_bot.registry.pushtime.base import (
    Calls,
    NoAnswer,
    NoPushTime,
    Pushed,
    Question,
    pushed,
    said_epoch,
    secret,
)

NOT_FOUND = ("ImageNotFoundException", "RepositoryNotFoundException")


class ElasticContainerRegistry:
    kind = "ecr"
    source = "Amazon ECR"
    token_env: str | None = None
    on_registry = False

    def recognises(self, host: str) -> bool:
        account, region = parse_host(host)
        return account is not None and region is not None

    def api(self, host: str, environ: Mapping[str, str]) -> str:
        region = parse_host(host)[1]  # unknown for a registry under another name: the login's
        return endpoint(environ, "ECR", f"https://api.ecr.{region}.{domain(region)}" if region else "")

    def look(self, calls: Calls, q: Question) -> Pushed | NoPushTime:
        found = calls.credential(q.host)
        signer = secret(lambda: getattr(found, "api", None)) if found is not None else None
        if not isinstance(signer, AwsApi):
            return NoPushTime(
                f"{self.source}: push times are asked with the workload's AWS identity, which "
                f"{q.host} is not read with: set auth: aws for it"
            )
        account, _region = parse_host(q.host)
        url = (q.base or f"https://api.ecr.{signer.region}.{domain(signer.region)}").rstrip("/") + "/"
        params: dict[str, Any] = {"repositoryName": q.repository, "imageIds": [{"imageTag": q.tag}]}
        if account:
            params["registryId"] = account
        status, data = self._describe(calls, signer, url, params)
        if status != 200:
            code = error_code(data if isinstance(data, Mapping) else {}, status)
            if code in NOT_FOUND:
                return NoPushTime(f"{self.source}: no tag {q.repository}:{q.tag} on {q.host}")
            if code in ("AccessDeniedException", "AccessDenied"):
                raise NoAnswer(
                    f"{signer.identity} may not describe images of {q.repository} ({code}): allow it "
                    "ecr:DescribeImages on the repository"
                )
            raise NoAnswer(f"answered DescribeImages with {code}")
        details = data.get("imageDetails") if isinstance(data, Mapping) else None
        if not isinstance(details, list):
            raise NoAnswer("answered DescribeImages without imageDetails")
        image = next(
            (d for d in details if isinstance(d, Mapping) and q.tag in (d.get("imageTags") or ())), None
        )
        if image is None:
            return NoPushTime(f"{self.source}: no tag {q.repository}:{q.tag} on {q.host}")
        when = image.get("imagePushedAt")
        at = said_epoch(when, f"tag {q.tag}'s imagePushedAt") if when is not None else None
        return pushed(self.source, q.tag, q.digest, image.get("imageDigest"), at, "imagePushedAt")

    def _describe(self, calls: Calls, signer: AwsApi, url: str, params: Mapping[str, Any]) -> tuple[int, Any]:
        body = json.dumps(params).encode()
        headers = {"Content-Type": JSON_11, "X-Amz-Target": PRIVATE_TARGET + "DescribeImages"}
        try:
            signed = signer.sign("POST", url, "ecr", body, headers)
        except LoginFailed as exc:
            raise NoAnswer(str(exc)) from None
        return calls.post(url, signed, body, tls=signer.tls, ca_setting=CA_SETTING)

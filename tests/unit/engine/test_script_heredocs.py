"""A heredoc's lines are data written somewhere (a release note, a file, a program's input), not
commands: taybiz/css-kustomize's release workflow writes usage text holding ``kubectl apply -f
manifests/with-pvc.yaml`` into VERSION_INFO.md with ``cat > ... << EOF``, and init read it as the
workflow applying that file, joining it to an environment. Each form: ``<< EOF``, ``<<-EOF``
(tabs stripped), ``<<'EOF'`` and ``<<"EOF"`` (nothing expanded); the command after the marker is
read again, and an opening with no closing marker (``1 << 3``, a shift) hides nothing."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine import script_commands
from gitops_bot.engine.repository_files import RepoFiles
from testkit.local_git import write

# .github/workflows/release.yml:92-121, as written there (shortened)
RELEASE = """\
name: Release
on: {push: {tags: ['v*']}}
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - name: Create release archive
        run: |
          mkdir -p release-artifacts
          cat > release-artifacts/VERSION_INFO.md << EOF
          ## Usage

          \\`\\`\\`bash
          # Apply manifests directly
          kubectl apply -f manifests/with-pvc.yaml

          # Or use with Kustomize
          kubectl apply -k overlays/with-pvc/
          \\`\\`\\`
          EOF
          kubectl apply -k overlays/base
"""

SCRIPT = """\
#!/bin/sh
cat <<-'EOF' > /tmp/a.yaml
\tkubectl apply -f manifests/a.yaml
\tEOF
python - <<"PY"
print("kubectl apply -f manifests/b.yaml")
PY
echo $((1 << 3)) && kubectl apply -f manifests/c.yaml
"""


def test_lines_of_a_heredoc_are_no_command(tmp_path: Path) -> None:
    files = {
        ".github/workflows/release.yml": RELEASE,
        "deploy.sh": SCRIPT,
        **{f"manifests/{n}.yaml": "kind: ConfigMap\n" for n in ("with-pvc", "a", "b", "c")},
        **{f"overlays/{n}/kustomization.yaml": "resources: []\n" for n in ("with-pvc", "base")},
    }
    read = script_commands.read(RepoFiles(write(tmp_path, files)))
    assert sorted((a.path, a.file, a.line) for a in read.applied) == [
        ("manifests/c.yaml", "deploy.sh", 8),
        ("overlays/base", ".github/workflows/release.yml", 21),
    ]

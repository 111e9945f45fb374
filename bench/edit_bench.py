"""Benchmark byte-exact editing: 1,000 overlay files of about 10 images each; every image gets a
new tag and digest; each file is read, edited, verified and written atomically.

Budget (issue 3): under 2 s in total on the project's 2-core machine.

    .venv/bin/python bench/edit_bench.py --files 1000 --images 10

``--chart-sites 1000,2000,4000,8000``: the curve of one Chart.yaml with that many dependencies
of one chart (each an ``alias:``), all moved to a new version by :func:`charts.write`, with the
edits spliced in one pass (now) and one by one (``yamltext._one_by_one``, the splice before:
each edit copied the whole text, quadratic in the number of sites).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from gitops_bot.core import files
from gitops_bot.manifests import charts, yamltext
from gitops_bot.manifests.kustomize import ImageEdit, set_images

OLD = "sha256:" + "a" * 64
NEW = "sha256:" + "b" * 64


def overlay(i: int, images: int) -> str:
    entries = "".join(
        f"- name: app{j}  # service {j}\n  newName: registry.example.com/team{i}/app{j}\n"
        f"  newTag: '1.{j}.0'\n  digest: {OLD}\n"
        for j in range(images)
    )
    return (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"namespace: team{i}\nresources:\n- ../../base\nimages:\n{entries}"
        "patches:\n- path: replicas.yaml\n"
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--images", type=int, default=10)
    ap.add_argument("--chart-sites", help="comma-separated site counts: the chart edit's curve instead")
    args = ap.parse_args()
    if args.chart_sites:
        return chart_curve([int(n) for n in args.chart_sites.split(",")])
    root = Path(tempfile.mkdtemp(prefix="gitops-bot-edit-bench-"))
    paths = []
    for i in range(args.files):
        p = root / f"overlay{i:04d}" / "kustomization.yaml"
        p.parent.mkdir()
        p.write_text(overlay(i, args.images))
        paths.append(p)
    edits = [ImageEdit(f"app{j}", new_tag=f"1.{j}.1", digest=NEW) for j in range(args.images)]
    t0, c0 = time.perf_counter(), time.process_time()
    for p in paths:
        files.write_atomic(p, set_images(files.read_text(p), edits, str(p)))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    sample = paths[0].read_text()
    assert "newTag: '1.0.1'" in sample and NEW in sample and OLD not in sample
    print(
        f"edited {args.files} files x {args.images} images in {wall:.2f} s "
        f"({wall / args.files * 1000:.2f} ms a file; budget 2 s in total); {cpu:.2f} s of CPU "
        "(steadier than wall time on a shared machine)"
    )
    return 0


def chart_curve(sizes: list[int]) -> int:
    spec = charts.ChartSpec("app", "https://charts.example.com")
    one_pass = yamltext.apply_ops

    def one_by_one(body: str, ops: Iterable[yamltext.Op]) -> str:
        ordered = sorted(enumerate(ops), key=lambda io: (io[1].start, io[1].end, io[0]))
        return yamltext._one_by_one(body, [op for _, op in ordered])

    print("sites  one pass (s CPU)  one by one (s CPU)")
    for n in sizes:
        deps = "".join(
            f"- name: app\n  alias: a{i}\n  version: 1.0.0\n  repository: https://charts.example.com\n"
            for i in range(n)
        )
        text = f"apiVersion: v2\nname: umbrella\nversion: 0.1.0\ndependencies:\n{deps}"
        cpu = []
        for splice in (one_pass, one_by_one):
            yamltext.apply_ops = splice  # the bench swaps the splice every editor ends with only
            try:
                c0 = time.process_time()
                out = charts.write(text, "Chart.yaml", {spec: "1.1.0"})
                cpu.append(time.process_time() - c0)
            finally:
                yamltext.apply_ops = one_pass
            assert out.count("version: 1.1.0") == n
        print(f"{n:5d}  {cpu[0]:16.2f}  {cpu[1]:18.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

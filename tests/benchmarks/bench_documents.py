"""Size and render time of the week's PDF and PowerPoint (run by hand).

    PYTHONPATH=. .venv/bin/python tests/benchmarks/bench_documents.py
    PYTHONPATH=. .venv/bin/python tests/benchmarks/bench_documents.py --companies 4 \
        --pictures docs      # the README's page and slide (pdftoppm; soffice for the slide)

The seeded world of bench_render.py goes through the real store, metrics and renderer; the
PDF and the deck are then made from that digest three times each (the first PDF includes
loading WeasyPrint and the fonts). Targets: each under 5 s warm, each file under 1 MB.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from monitor import insights
from monitor.config import parse_config
from monitor.metrics import MetricsSettings, load_and_compute
from monitor.report.pdf import render_pdf
from monitor.report.render import render_digest
from monitor.report.slides import render_deck
from monitor.store import Store
from monitor.sync import sync_sources

sys.path.insert(0, str(Path(__file__).parent))
from bench_render import NOW, WEEK, config_yaml, fill


def timed(make, digest, runs: int = 3) -> tuple[bytes, list[float]]:
    times, data = [], b""
    for _ in range(runs):
        started = time.perf_counter()
        data = make(digest)
        times.append(time.perf_counter() - started)
    return data, times


def page_count(pdf: bytes, folder: Path) -> str:
    """From pdfinfo (the page objects sit in compressed streams)."""
    if not shutil.which("pdfinfo"):
        return "?"
    (folder / "count.pdf").write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(folder / "count.pdf")], capture_output=True, text=True)
    found = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    return found.group(1) if found else "?"


def pictures(pdf: bytes, deck: bytes, target: Path, folder: Path) -> None:
    """Page 1 of the PDF and slide 2 (the scoreboard) of the deck as PNG images."""
    (folder / "week.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "80",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(folder / "week.pdf"),
            str(target / "week-pdf-page"),
        ],
        check=True,
    )
    office = shutil.which("soffice")
    if not office:
        print("soffice (LibreOffice) not found: no slide picture")
        return
    (folder / "week.pptx").write_bytes(deck)
    subprocess.run(
        [
            office,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(folder / "week.pptx"),
        ],
        check=True,
        capture_output=True,
    )
    for number, name in ((1, "week-slide-title"), (2, "week-slide-scoreboard")):
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "60",
                "-png",
                "-f",
                str(number),
                "-l",
                str(number),
                "-singlefile",
                str(folder / "week.pdf"),
                str(target / name),
            ],
            check=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=10)
    parser.add_argument("--language", default="en")
    parser.add_argument("--pictures", type=Path, help="write a page and a slide as PNG here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        config = parse_config(config_yaml(args.companies, folder / "reports", args.language))
        with Store(f"sqlite:///{folder}/bench.db") as store:
            sync_sources(config, store)
            fill(store, random.Random(47))
            settings = MetricsSettings.from_report(config.report)
            metrics = load_and_compute(store, WEEK, settings)
        argument = insights.interpret(metrics, settings)
        digest = render_digest(
            metrics, argument, language=args.language, top_posts=5, generated_at=NOW
        )
        pdf, pdf_times = timed(render_pdf, digest)
        deck, deck_times = timed(render_deck, digest)
        pages = page_count(pdf, folder)
        print(f"companies x platforms: {args.companies} x 5")
        print(
            f"PDF:  {len(pdf) / 1024:.0f} KiB, {pages} pages; render s: "
            f"first {pdf_times[0]:.2f}, then median {statistics.median(pdf_times[1:]):.2f}"
        )
        print(
            f"deck: {len(deck) / 1024:.0f} KiB; render s: first {deck_times[0]:.2f}, "
            f"then median {statistics.median(deck_times[1:]):.2f}"
        )
        if args.pictures:
            pictures(pdf, deck, args.pictures, folder)
            print(f"pictures written to {args.pictures}")


if __name__ == "__main__":
    main()

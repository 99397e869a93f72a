"""Benchmark: streaming bulk export to XML and JSON, against bare lxml ``xmlfile`` / ``json.dumps``.

Run: ``python bench/export.py [--records 100000] [--small 10000]``.

Generates the records once (a real submitted decision cloned with fresh ids and hashes, inserted in
bulk into a temporary SQLite file), then, each in its own process so peak memory is its own:
``sharewise export --format xml|json`` (``formats.stream`` over ``Store.iter_records``) and the
baseline — the same records read the same way, written with bare lxml ``xmlfile`` (one element per
field) or ``json.dumps`` per line. Prints records/s, the ratio to the baseline, and peak RSS, for the
small and the large count: flat memory means the large peak is about the small one.
Goal (issue 5): within 2x of the baseline; peak memory flat as the count grows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

from lxml import etree

from sharewise.adapters.exports.formats import FormLookup, stream
from sharewise.core import Engine
from sharewise.core.store import Store
from sharewise.core.store.rows import record_values
from sharewise.core.store.schema import records
from sharewise.core.submission import Recorder
from sharewise.forms import example_answers

FORM = "information-sharing-decision"


def generate(url: str, count: int) -> None:
    """Insert ``count`` records (clones of one real record, each with its own id and hash)."""
    store = Store(url)
    answers = example_answers(FORM, "gp-shares-child-at-risk")
    template = Recorder(Engine(), store).submit(FORM, answers, context={"case_ref": "BENCH"}).record
    batch = []
    for n in range(1, count):
        clone = replace(template, id=str(uuid.uuid4()), created_seq=template.created_seq + n)
        batch.append(record_values(replace(clone, content_hash=clone.compute_hash()), None))
        if len(batch) == 5_000 or n == count - 1:
            with store.writing() as connection:
                connection.execute(records.insert(), batch)
            batch = []
    store.close()


def bare(store: Store, kind: str, out: object) -> int:
    """The baseline: the same records, written naively."""
    count = 0
    if kind == "json":
        for record in store.iter_records():
            out.write(json.dumps(record.to_dict(), ensure_ascii=False).encode("utf-8") + b"\n")  # type: ignore[attr-defined]
            count += 1
        return count
    with etree.xmlfile(out, encoding="utf-8") as xf, xf.element("records"):
        for record in store.iter_records():
            element = etree.Element("record", id=record.id)
            for key, value in record.to_dict().items():
                etree.SubElement(element, key).text = json.dumps(value, ensure_ascii=False)
            xf.write(element)
            count += 1
    return count


def worker(url: str, kind: str, mode: str) -> None:
    """One measurement in this process: print records/s and peak RSS (KiB) as JSON."""
    store = Store(url)
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        sharewise = mode == "sharewise"
        count = stream(store.iter_records(), kind, sink, FormLookup(Engine())) if sharewise else bare(store, kind, sink)
        seconds = time.perf_counter() - start
    print(json.dumps({"rate": count / seconds, "count": count, "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def measure(url: str, kind: str, mode: str) -> dict[str, float]:
    """Run one worker process and return what it printed."""
    command = [sys.executable, __file__, "--worker", url, kind, mode]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def main() -> None:
    """Generate, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        worker(*options.worker)
        return
    with tempfile.TemporaryDirectory() as folder:
        for count in (options.small, options.records):
            url = f"sqlite:///{Path(folder) / f'export-{count}.db'}"
            generate(url, count)
            for kind in ("xml", "json"):
                ours, baseline = measure(url, kind, "sharewise"), measure(url, kind, "bare")
                print(
                    f"{kind:>4} {count:>7,} records: {ours['rate']:>8,.0f}/s (bare {baseline['rate']:,.0f}/s, "
                    f"ratio {baseline['rate'] / ours['rate']:.2f}x slower); peak RSS {ours['peak_kib'] / 1024:,.0f} MiB "
                    f"(bare {baseline['peak_kib'] / 1024:,.0f} MiB)"
                )


if __name__ == "__main__":
    main()

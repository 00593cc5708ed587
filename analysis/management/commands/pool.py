"""``manage.py pool DATA.csv --measure ... --method ...``: a meta-analysis of a CSV of studies."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from analysis.engine import EngineError, read_csv, run_pooled_analysis
from analysis.engine.effect_sizes import MEASURES
from analysis.engine.pooling import METHODS, TESTS
from analysis.engine.report import format_text


class Command(BaseCommand):
    # Pure computation on a file: skip Django's system checks, which would import every page module.
    requires_system_checks: list = []
    help = (
        "Pool the studies of a CSV file (metafor's column names: ai,bi,ci,di / m1i,sd1i,n1i,... / "
        "xi,ni / yi,vi / yi,sei / estimate,ci_lower,ci_upper / o_minus_e,v) and print the result."
    )

    def add_arguments(self, parser):
        parser.add_argument("data", help="CSV file, one row per study")
        parser.add_argument("--measure", required=True, choices=MEASURES, type=str.upper)
        parser.add_argument("--method", default="REML", choices=METHODS, type=str.upper)
        parser.add_argument("--test", default="z", choices=TESTS, type=str.lower)
        parser.add_argument("--subgroup", help="column whose levels are pooled separately")
        parser.add_argument("--mods", nargs="+", default=[], help="moderator column(s) for meta-regression")
        parser.add_argument("--egger", action="store_true", help="add Egger's regression test")
        parser.add_argument("--leave-one-out", action="store_true", help="add a leave-one-out analysis")
        parser.add_argument("--level", type=float, default=95.0, help="confidence level in percent")
        parser.add_argument("--format", default="text", choices=("text", "json"))

    def handle(self, *args, **options):
        try:
            rows = read_csv(options["data"])
            result = run_pooled_analysis(
                rows,
                measure=options["measure"],
                method=options["method"],
                test=options["test"],
                subgroup=options["subgroup"],
                mods=options["mods"],
                egger=options["egger"],
                level=options["level"],
                leave_one_out_analysis=options["leave_one_out"],
            )
        except EngineError as error:
            raise CommandError(str(error)) from error
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, indent=2, allow_nan=False))
        else:
            self.stdout.write(format_text(result))

"""``manage.py ipd DATA.csv --time COL --event COL --treatment COL --control LEVEL``: Cox, log-rank and KM from IPD."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from analysis.engine.errors import EngineError
from analysis.engine.io import json_safe
from analysis.engine.survival import analyse_ipd, format_ipd_text, read_ipd_csv
from analysis.engine.survival_cox import TIES


class Command(BaseCommand):
    # Pure computation on a file: skip Django's system checks, which would import every page module.
    requires_system_checks: list = []
    help = (
        "Analyse patient-level time-to-event data (one row per patient): Cox hazard ratio stratified by trial "
        "(Efron ties), stratified log-rank test, Kaplan-Meier per arm, optional treatment-by-covariate interaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("data", help="CSV file, one row per patient")
        parser.add_argument("--time", required=True, help="column of follow-up times (>= 0)")
        parser.add_argument("--event", required=True, help="column of event indicators (1 event, 0 censored)")
        parser.add_argument("--treatment", required=True, help="column of the arm")
        parser.add_argument("--control", help="level of the treatment column that is the control arm")
        parser.add_argument("--strata", help="column to stratify by (the trial)")
        parser.add_argument(
            "--km-times", nargs="+", type=float, default=[], help="times for Kaplan-Meier estimates"
        )
        parser.add_argument("--covariates", nargs="+", default=[], help="adjusting covariate column(s)")
        parser.add_argument(
            "--interaction", help="covariate column for a treatment-by-covariate interaction test"
        )
        parser.add_argument("--ties", default="efron", choices=TIES)
        parser.add_argument("--format", default="text", choices=("text", "json"))

    def handle(self, *args, **options):
        try:
            result = analyse_ipd(
                read_ipd_csv(options["data"]),
                time=options["time"],
                event=options["event"],
                treatment=options["treatment"],
                control=options["control"],
                strata=options["strata"],
                covariates=options["covariates"],
                interaction=options["interaction"],
                km_times=options["km_times"],
                ties=options["ties"],
            )
        except EngineError as error:
            raise CommandError(str(error)) from error
        if options["format"] == "json":
            self.stdout.write(json.dumps(json_safe(result), indent=2, allow_nan=False))
        else:
            self.stdout.write(format_ipd_text(result), ending="")

"""The reproducibility bundle's R script, data files and command lines, one analysis at a time.

Every analysis gets data files in metafor's column names and a block of R that runs it with
metafor (``escalc``, ``rma``, ``rma.mh``, ``rma.peto``, ``confint``, ``predict``, ``regtest``)
or survival (``coxph`` per trial and stratified by trial, ``survdiff``, ``survfit``). The
script prints one ``name=value`` line per number (``%.17g``, so nothing is lost), and the
bundle's ``platform_numbers.txt`` holds the platform's stored numbers under the same names,
so the two can be compared line by line. Only base R, metafor and survival are needed.

Names: ``a<id>.estimate``, ``a<id>.summary.estimate``, ``a<id>.study[<label>].weight``,
``a<id>.subgroup[<level>].tau2``, ``a<id>.mod[<term>].estimate``, ``a<id>.egger.pval``,
``a<id>.trial[<label>].yi``, ``a<id>.cox.log_hr``, ``a<id>.logrank.chi2``,
``a<id>.km[<arm>].surv.<n>``, ``a<id>.interaction[<covariate>].chi2``.
"""

from __future__ import annotations

import itertools
import math
import shlex
import unicodedata
from dataclasses import dataclass, field

from analysis.engine import PooledResult
from analysis.models import Analysis, AnalysisResult, HazardSource
from analysis.recompute.compute import engine_rows, published_hr_rows
from extraction.models import OutcomeKind

from . import tabular

POOLED = (
    "k", "estimate", "se", "pval", "ci_lower", "ci_upper", "tau2", "i2", "h2", "q", "q_pval",
    "pi_lower", "pi_upper", "tau2_ci_lower", "tau2_ci_upper", "i2_ci_lower", "i2_ci_upper",
)  # fmt: skip
SUBGROUP = ("k", "estimate", "se", "ci_lower", "ci_upper", "tau2", "i2", "q")
MODERATOR = ("estimate", "se", "pval", "ci_lower", "ci_upper")
REGRESSION = ("k", "qm", "qm_pval", "tau2", "q", "q_pval", "i2", "r2")
COX = ("log_hr", "se", "hr", "hr_ci_lower", "hr_ci_upper", "pval")
PUBLISHED_COLUMNS = ("estimate", "ci_lower", "ci_upper", "yi", "sei", "o_minus_e", "v", "hr_source")
DROP_FROM_DATA = ("study_id", "comparison_id", "arm_id")


@dataclass
class AnalysisBundle:
    """What one analysis contributes to the bundle."""

    files: dict[str, bytes] = field(default_factory=dict)
    r_code: str = ""
    commands: list[str] = field(default_factory=list)
    numbers: dict[str, float] = field(default_factory=dict)


def label(text) -> str:
    """A study, level or arm name as it appears in the bundle's (neutralised) CSV files."""
    return tabular.safe_text(str(text))


# Characters that could end a line, or that R would read differently, are written as escapes; the
# literal then holds printable characters only, so no name can leave its string (or its comment).
R_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
UNPRINTABLE = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def _r_char(char: str) -> str:
    if char in R_ESCAPES:
        return R_ESCAPES[char]
    if char == "\0":  # R strings cannot hold NUL
        return "\\ufffd"
    if unicodedata.category(char) in UNPRINTABLE:
        return f"\\u{{{ord(char):x}}}" if ord(char) <= 0xFFFF else f"\\U{{{ord(char):x}}}"
    return char


def r_string(text: str) -> str:
    """An R string literal of the text: any user-supplied string reaching reproduce.R goes through here."""
    return '"' + "".join(_r_char(char) for char in str(text)) + '"'


def comment_text(text: str) -> str:
    """A user-supplied name as it may appear in a generated comment (R or sh): escaped, on one line."""
    return r_string(text)


def number_name(name: str) -> str:
    """A ``name=value`` line's name with each run of control characters (a line break in a label)
    as one space, as reproduce.R prints it (R reads a CSV cell's CR LF as one LF)."""
    runs = itertools.groupby(name, key=lambda char: unicodedata.category(char) in UNPRINTABLE)
    return "".join(" " if unprintable else "".join(chars) for unprintable, chars in runs)


def r_vector(items) -> str:
    return "c(" + ", ".join(r_string(i) for i in items) + ")"


def _put(numbers: dict, name: str, value) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float) and math.isfinite(float(value)):
        numbers[name] = float(value)


def _data_rows(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in DROP_FROM_DATA} for row in rows]


# ---- the platform's numbers under the script's names ----------------------------------------


def _pooled_numbers(out: dict, prefix: str, fit, keys=POOLED) -> None:
    for key in keys:
        _put(out, f"{prefix}.{key}", getattr(fit, key))


def platform_numbers(analysis: Analysis, numbers: dict) -> dict[str, float]:
    """The stored result's numbers under the names the R script prints."""
    p = f"a{analysis.pk}"
    out: dict[str, float] = {}
    result = PooledResult.from_json(numbers)
    regression = result.regression
    if regression is not None:
        for key in REGRESSION:
            # QM and R² are the regression's; k, tau², Q and I² the residual ones, on the result.
            source = regression if hasattr(regression, key) else result
            _put(out, f"{p}.{key}", getattr(source, key))
        for term, coefficient in regression.moderators.items():
            for key in MODERATOR:
                _put(out, f"{p}.mod[{label(term)}].{key}", getattr(coefficient, key))
    else:
        _pooled_numbers(out, p, result)
        for key in ("estimate", "ci_lower", "ci_upper"):
            _put(out, f"{p}.summary.{key}", getattr(result.summary, key, None))
    for study in result.studies:
        name = f"{p}.study[{label(study.study)}]"
        for key in ("yi", "vi", "weight"):
            _put(out, f"{name}.{key}", getattr(study, key))
    if result.subgroups is not None:
        for level, group in result.subgroups.levels.items():
            for key in SUBGROUP:
                _put(out, f"{p}.subgroup[{label(level)}].{key}", getattr(group, key))
        _put(out, f"{p}.q_between", result.subgroups.q_between)
        _put(out, f"{p}.q_between_pval", result.subgroups.q_between_pval)
    if result.egger is not None:
        _put(out, f"{p}.egger.statistic", result.egger.statistic)
        _put(out, f"{p}.egger.pval", result.egger.pval)
    for trial in result.per_trial or []:
        _put(out, f"{p}.trial[{label(trial.get('study'))}].yi", trial.get("yi"))
        _put(out, f"{p}.trial[{label(trial.get('study'))}].sei", trial.get("sei"))
    one_stage = result.one_stage
    if one_stage:
        for key in COX:
            _put(out, f"{p}.cox.{key}", getattr(one_stage, key))
        _put(out, f"{p}.cox.n", one_stage.n)
        _put(out, f"{p}.cox.events", one_stage.events)
        if one_stage.logrank is not None:
            _put(out, f"{p}.logrank.chi2", one_stage.logrank.chi2)
            _put(out, f"{p}.logrank.pval", one_stage.logrank.pval)
        for curve in one_stage.km_curves or []:
            arm = label(curve.treatment)
            _put(out, f"{p}.km[{arm}].n", curve.n)
            _put(out, f"{p}.km[{arm}].events", curve.events)
            for index, step in enumerate(curve.steps or [], start=1):
                _put(out, f"{p}.km[{arm}].time.{index}", step.get("time"))
                _put(out, f"{p}.km[{arm}].surv.{index}", step.get("surv"))
    for interaction in result.interactions:
        if "chi2" in interaction:
            name = f"{p}.interaction[{label(interaction.get('covariate'))}]"
            _put(out, f"{name}.chi2", interaction.get("chi2"))
            _put(out, f"{name}.pval", interaction.get("pval"))
    return out


def format_numbers(numbers: dict[str, float]) -> str:
    return "".join(f"{number_name(name)}={value!r}\n" for name, value in numbers.items())


def parse_numbers(text: str) -> dict[str, float]:
    """``name=value`` lines (R's output or platform_numbers.txt) as a dict; other lines ignored."""
    parsed = {}
    for line in text.splitlines():
        name, sep, value = line.rpartition("=")
        if not sep or not name.startswith("a"):
            continue
        try:
            parsed[name] = float(value)
        except ValueError:
            continue
    return parsed


# ---- per analysis: data files, R code, command lines ----------------------------------------


def _pool_command(path: str, measure: str, analysis: Analysis, *, with_extras: bool, egger: bool) -> str:
    parts = ["python", "manage.py", "pool", path, "--measure", measure, "--method", analysis.method]
    parts += ["--test", analysis.confidence_method]
    if with_extras and analysis.subgroup:
        parts += ["--subgroup", analysis.subgroup]
    if with_extras and analysis.moderators:
        parts += ["--mods", *analysis.moderators]
    if egger:
        parts.append("--egger")
    parts += ["--format", "json"]
    return " ".join(shlex.quote(p) for p in parts)


def analysis_bundle(analysis: Analysis, result: AnalysisResult) -> AnalysisBundle:
    """The data files, R block, command lines and expected numbers of one analysis."""
    kind = analysis.outcome.kind
    numbers = result.numbers or {}
    bundle = AnalysisBundle(numbers=platform_numbers(analysis, numbers))
    stem = f"data/analysis-{analysis.pk}"
    inputs = result.input_rows or {}
    rows = engine_rows(kind, inputs.get("rows") or [])
    header = (
        f"\n## ---- analysis {analysis.pk}: {comment_text(analysis.name)}"
        f" of {comment_text(analysis.outcome)} ----\n"
    )
    if kind == OutcomeKind.TIME_TO_EVENT and analysis.hazard_source != HazardSource.PUBLISHED:
        return _ipd_bundle(analysis, numbers, inputs, rows, bundle, stem, header)
    egger = PooledResult.from_json(numbers).egger is not None
    if kind == OutcomeKind.TIME_TO_EVENT:
        pooled_rows = published_hr_rows(rows)
        bundle.files[f"{stem}.csv"] = tabular.csv_bytes(_data_rows(pooled_rows))
        originals = [r for r in rows if r.get("hr_source")]
        bundle.files[f"{stem}-published.csv"] = tabular.csv_bytes(
            _data_rows(originals), ["study", *PUBLISHED_COLUMNS, *_extra_columns(originals)]
        )
        load = f'd <- hr_rows(read_data("{stem}-published.csv"))\n'
        measure = "HR"
    else:
        bundle.files[f"{stem}.csv"] = tabular.csv_bytes(_data_rows(rows))
        load = f'd <- read_data("{stem}.csv")\n'
        measure = analysis.measure
    bundle.commands.append(_pool_command(f"{stem}.csv", measure, analysis, with_extras=True, egger=egger))
    args = ", ".join(
        [
            f'P = "a{analysis.pk}"',
            f"measure = {r_string(measure)}",
            f"method = {r_string(analysis.method)}",
            f"test = {r_string(analysis.confidence_method)}",
            f"subgroup = {r_string(analysis.subgroup) if analysis.subgroup else 'NULL'}",
            f"mods = {r_vector(analysis.moderators) if analysis.moderators else 'NULL'}",
            f"egger = {'TRUE' if egger else 'FALSE'}",
        ]
    )
    bundle.r_code = header + load + f"run_pooled(d, {args})\n"
    return bundle


def _extra_columns(rows: list[dict]) -> list[str]:
    seen = []
    for row in rows:
        seen.extend(
            c for c in row if c not in seen and c not in ("study", *PUBLISHED_COLUMNS, *DROP_FROM_DATA)
        )
    return seen


def _ipd_bundle(analysis, numbers, inputs, rows, bundle, stem, header) -> AnalysisBundle:
    patients = [p for p in inputs.get("patients") or [] if p.get("treatment")]
    bundle.files[f"{stem}-patients.csv"] = tabular.csv_bytes(_data_rows(patients))
    ipd_ids = {p["study_id"] for p in patients}
    published = []
    if analysis.hazard_source == HazardSource.BOTH:
        published = [r for r in rows if r.get("hr_source") and r.get("study_id") not in ipd_ids]
    bundle.files[f"{stem}-published.csv"] = tabular.csv_bytes(
        _data_rows(published), ["study", *PUBLISHED_COLUMNS]
    )
    two_stage = [
        {"study": s.get("study"), "yi": s.get("yi"), "sei": s.get("sei"), "source": s.get("source")}
        for s in numbers.get("studies") or []
    ]
    bundle.files[f"{stem}-two-stage.csv"] = tabular.csv_bytes(two_stage, ["study", "yi", "sei", "source"])
    bundle.commands.append(
        _pool_command(f"{stem}-two-stage.csv", "HR", analysis, with_extras=False, egger=False)
    )
    time, event = analysis.time_column or "time", analysis.event_column or "event"
    ipd = ["python", "manage.py", "ipd", f"{stem}-patients.csv", "--time", time, "--event", event]
    ipd += ["--treatment", "treatment", "--control", "control", "--strata", "study", "--format", "json"]
    if numbers.get("one_stage"):
        bundle.commands.append(" ".join(shlex.quote(p) for p in ipd))
        for covariate in analysis.interaction_covariates or []:
            bundle.commands.append(" ".join(shlex.quote(p) for p in [*ipd, "--interaction", covariate]))
    args = ", ".join(
        [
            f'P = "a{analysis.pk}"',
            f"time = {r_string(time)}",
            f"event = {r_string(event)}",
            f"method = {r_string(analysis.method)}",
            f"test = {r_string(analysis.confidence_method)}",
            f"one_stage = {'TRUE' if numbers.get('one_stage') else 'FALSE'}",
            f"interactions = {r_vector(analysis.interaction_covariates) if numbers.get('one_stage') and analysis.interaction_covariates else 'NULL'}",
        ]
    )
    bundle.r_code = (
        header
        + f'p <- read_data("{stem}-patients.csv")\n'
        + f'pub <- hr_rows(read_data("{stem}-published.csv"))\n'
        + f"run_ipd(p, pub, {args})\n"
    )
    return bundle


R_PRELUDE = r"""# Reproduces every analysis of this review with R metafor and survival.
# Run from the bundle's folder:  Rscript reproduce.R
# Each number is printed as name=value (17 significant digits); platform_numbers.txt holds
# the platform's numbers under the same names.
suppressPackageStartupMessages({library(metafor); library(survival)})
args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
if (length(script) == 1) setwd(dirname(normalizePath(script)))
CTRL <- list(threshold = 1e-12, maxiter = 10000)
cat("software=R", as.character(getRversion()), "metafor", as.character(packageVersion("metafor")),
    "survival", as.character(packageVersion("survival")), "\n")

# a run of control characters in a name (a line break in a study label) is printed as one space,
# as in platform_numbers.txt
out <- function(name, value) {
  if (length(value) == 1 && !is.null(value) && !is.na(value) && is.finite(as.numeric(value)))
    cat(sprintf("%s=%.17g\n", gsub("[[:cntrl:]]+", " ", name), as.numeric(value)))
}
read_data <- function(path) read.csv(path, stringsAsFactors = FALSE, check.names = FALSE,
                                      na.strings = c("", "NA"), quote = "\"", comment.char = "")
sorted <- function(x) sort(unique(as.character(x[!is.na(x)])), method = "radix")
level_of <- function(x) {
  if (!is.numeric(x)) return(trimws(as.character(x)))
  ifelse(!is.na(x) & x == round(x) & abs(x) < 1e15, as.character(trunc(x)), as.character(x))
}

# log HR and its SE from each row's own complete form: HR with 95% CI, log HR and SE, or log-rank O-E and V
hr_rows <- function(d) {
  if (nrow(d) == 0) return(data.frame(study = character(0), yi = numeric(0), sei = numeric(0)))
  src <- d$hr_source
  d$yi <- ifelse(src == "ci", log(d$estimate), ifelse(src == "logrank", d$o_minus_e / d$v, d$yi))
  d$sei <- ifelse(src == "ci", (log(d$ci_upper) - log(d$ci_lower)) / (2 * qnorm(0.975)),
                  ifelse(src == "logrank", 1 / sqrt(d$v), d$sei))
  d
}

effect_sizes <- function(d, measure) {
  if (all(c("yi", "sei") %in% names(d)) && measure == "HR") {
    d$vi <- d$sei^2
    return(d)
  }
  if (all(c("ai", "n1i", "ci", "n2i") %in% names(d)))
    return(escalc(measure, ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, drop00 = TRUE))
  if (all(c("m1i", "sd1i", "m2i", "sd2i") %in% names(d)))
    return(escalc(measure, m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = d))
  escalc(measure, xi = xi, ni = ni, data = d)
}

fit_model <- function(d, measure, method, test, mods = NULL) {
  if (method == "MH") return(rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, measure = measure))
  if (method == "PETO") return(rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d))
  dat <- effect_sizes(d, measure)
  if (!is.null(mods)) {
    # built from symbols, not parsed from text: a column name is never read as R code
    f <- as.formula(call("~", Reduce(function(a, b) call("+", a, b), lapply(mods, as.name))))
    return(rma(yi, vi, mods = f, data = dat, method = method, test = test, control = CTRL))
  }
  if (sum(!is.na(dat$yi)) == 1) method <- "FE"
  rma(yi, vi, data = dat, method = method, test = if (method == "FE") "z" else test, control = CTRL)
}

back <- function(x, measure, d) {
  switch(measure, OR = exp(x), RR = exp(x), HR = exp(x), PLO = transf.ilogit(x), PAS = transf.iarcsin(x),
         PFT = transf.ipft.hm(x, targs = list(ni = d$ni)), x)
}

print_fit <- function(P, res, measure, d, keys_only = FALSE) {
  out(paste0(P, ".k"), res$k); out(paste0(P, ".estimate"), res$beta[1]); out(paste0(P, ".se"), res$se[1])
  out(paste0(P, ".ci_lower"), res$ci.lb[1]); out(paste0(P, ".ci_upper"), res$ci.ub[1])
  out(paste0(P, ".q"), res$QE)
  if (inherits(res, "rma.uni")) out(paste0(P, ".tau2"), res$tau2)
  if (!is.null(res$I2)) out(paste0(P, ".i2"), res$I2)
  if (keys_only) return(invisible())
  out(paste0(P, ".pval"), res$pval[1]); out(paste0(P, ".q_pval"), res$QEp)
  if (!is.null(res$H2)) out(paste0(P, ".h2"), res$H2)
  out(paste0(P, ".summary.estimate"), back(res$beta[1], measure, d))
  out(paste0(P, ".summary.ci_lower"), back(res$ci.lb[1], measure, d))
  out(paste0(P, ".summary.ci_upper"), back(res$ci.ub[1], measure, d))
  pr <- predict(res)
  # predict() of rma.mh / rma.peto gives no PI; for a fixed-effect model the PI is the CI (as for rma.uni FE)
  if (is.null(pr$pi.lb)) pr <- list(pi.lb = res$ci.lb, pi.ub = res$ci.ub)
  out(paste0(P, ".pi_lower"), pr$pi.lb); out(paste0(P, ".pi_upper"), pr$pi.ub)
  if (inherits(res, "rma.uni") && !(res$method %in% c("FE", "EE", "CE"))) {
    ci <- tryCatch(confint(res, control = list(tol = 1e-12))$random, error = function(e) NULL)
    if (!is.null(ci)) {
      out(paste0(P, ".tau2_ci_lower"), ci["tau^2", "ci.lb"]); out(paste0(P, ".tau2_ci_upper"), ci["tau^2", "ci.ub"])
      out(paste0(P, ".i2_ci_lower"), ci["I^2(%)", "ci.lb"]); out(paste0(P, ".i2_ci_upper"), ci["I^2(%)", "ci.ub"])
    }
  }
}

print_studies <- function(P, res, d, measure) {
  dat <- effect_sizes(d, measure)
  kept <- !is.na(dat$yi)
  w <- weights(res)
  labels <- as.character(d$study[kept])
  for (j in seq_along(labels)) {
    name <- paste0(P, ".study[", labels[j], "]")
    out(paste0(name, ".yi"), dat$yi[kept][j]); out(paste0(name, ".vi"), dat$vi[kept][j])
    if (!is.null(w)) out(paste0(name, ".weight"), w[j])
  }
}

run_pooled <- function(d, P, measure, method, test, subgroup = NULL, mods = NULL, egger = FALSE) {
  keep <- rep(TRUE, nrow(d))
  for (column in c(subgroup, mods)) keep <- keep & !is.na(d[[column]])
  d <- d[keep, , drop = FALSE]
  res <- fit_model(d, measure, method, test, mods)
  if (!is.null(mods)) {
    out(paste0(P, ".k"), res$k); out(paste0(P, ".qm"), res$QM); out(paste0(P, ".qm_pval"), res$QMp)
    out(paste0(P, ".tau2"), res$tau2); out(paste0(P, ".q"), res$QE); out(paste0(P, ".q_pval"), res$QEp)
    out(paste0(P, ".i2"), res$I2); out(paste0(P, ".r2"), res$R2)
    terms <- sub("^intrcpt$", "intercept", rownames(res$beta))
    for (j in seq_along(terms)) {
      name <- paste0(P, ".mod[", terms[j], "]")
      out(paste0(name, ".estimate"), res$beta[j]); out(paste0(name, ".se"), res$se[j])
      out(paste0(name, ".pval"), res$pval[j]); out(paste0(name, ".ci_lower"), res$ci.lb[j])
      out(paste0(name, ".ci_upper"), res$ci.ub[j])
    }
  } else {
    print_fit(P, res, measure, d)
  }
  print_studies(P, res, d, measure)
  if (!is.null(subgroup)) {
    levels <- sorted(level_of(d[[subgroup]])); est <- c(); se <- c()
    for (g in levels) {
      part <- d[level_of(d[[subgroup]]) == g, , drop = FALSE]
      r <- fit_model(part, measure, method, test)
      print_fit(paste0(P, ".subgroup[", g, "]"), r, measure, part, keys_only = TRUE)
      est <- c(est, r$beta[1]); se <- c(se, r$se[1])
    }
    between <- rma(est, sei = se, method = "FE")
    out(paste0(P, ".q_between"), between$QE); out(paste0(P, ".q_between_pval"), between$QEp)
  }
  if (egger) {
    dat <- effect_sizes(d, measure)
    rt <- regtest(rma(yi, vi, data = dat, method = "FE"), model = "lm", predictor = "sei")
    out(paste0(P, ".egger.statistic"), rt$zval); out(paste0(P, ".egger.pval"), rt$pval)
  }
}

run_ipd <- function(p, pub, P, time, event, method, test, one_stage = FALSE, interactions = NULL) {
  p$.t <- p[[time]]; p$.e <- p[[event]]
  p <- p[!is.na(p$.t) & !is.na(p$.e), , drop = FALSE]
  p$treatment <- factor(p$treatment, levels = c("control", "experimental"))
  rows <- data.frame(study = character(0), yi = numeric(0), sei = numeric(0))
  for (s in sorted(p$study)) {
    part <- p[p$study == s, , drop = FALSE]
    if (length(unique(part$treatment)) < 2) next
    f <- tryCatch(coxph(Surv(.t, .e) ~ treatment, data = part, ties = "efron"), error = function(e) NULL)
    if (is.null(f) || !is.finite(coef(f)[1])) next
    yi <- unname(coef(f)[1]); sei <- sqrt(vcov(f)[1, 1])
    out(paste0(P, ".trial[", s, "].yi"), yi); out(paste0(P, ".trial[", s, "].sei"), sei)
    rows <- rbind(rows, data.frame(study = s, yi = yi, sei = sei))
  }
  if (nrow(pub) > 0) rows <- rbind(rows, data.frame(study = pub$study, yi = pub$yi, sei = pub$sei))
  res <- rma(yi, sei = sei, data = rows, method = method, test = test, control = CTRL)
  rows$vi <- rows$sei^2
  print_fit(P, res, "HR", rows)
  print_studies(P, res, rows, "HR")
  if (!one_stage) return(invisible())
  fit <- coxph(Surv(.t, .e) ~ treatment + strata(study), data = p, ties = "efron")
  s <- summary(fit)
  out(paste0(P, ".cox.n"), fit$n); out(paste0(P, ".cox.events"), fit$nevent)
  out(paste0(P, ".cox.log_hr"), coef(fit)[1]); out(paste0(P, ".cox.se"), sqrt(vcov(fit)[1, 1]))
  out(paste0(P, ".cox.hr"), exp(coef(fit)[1])); out(paste0(P, ".cox.hr_ci_lower"), s$conf.int[1, 3])
  out(paste0(P, ".cox.hr_ci_upper"), s$conf.int[1, 4]); out(paste0(P, ".cox.pval"), s$coefficients[1, 5])
  lr <- survdiff(Surv(.t, .e) ~ treatment + strata(study), data = p)
  out(paste0(P, ".logrank.chi2"), lr$chisq)
  out(paste0(P, ".logrank.pval"), pchisq(lr$chisq, length(lr$n) - 1, lower.tail = FALSE))
  for (arm in levels(p$treatment)) {
    part <- p[p$treatment == arm, , drop = FALSE]
    km <- survfit(Surv(.t, .e) ~ 1, data = part)
    name <- paste0(P, ".km[", arm, "]")
    out(paste0(name, ".n"), nrow(part)); out(paste0(name, ".events"), sum(part$.e))
    for (j in seq_along(km$time)) {
      out(paste0(name, ".time.", j), km$time[j]); out(paste0(name, ".surv.", j), km$surv[j])
    }
  }
  for (covariate in interactions) {
    x <- p[[covariate]]
    categorical <- !is.numeric(x) || length(unique(x[!is.na(x)])) <= 2
    p$.cv <- if (categorical) factor(level_of(x), levels = sorted(level_of(x))) else x
    f <- coxph(Surv(.t, .e) ~ treatment + .cv + treatment:.cv + strata(study), data = p, ties = "efron")
    idx <- grep(":", names(coef(f)))
    b <- coef(f)[idx]; V <- vcov(f)[idx, idx, drop = FALSE]
    chi2 <- as.numeric(t(b) %*% solve(V, b))
    out(paste0(P, ".interaction[", covariate, "].chi2"), chi2)
    out(paste0(P, ".interaction[", covariate, "].pval"), pchisq(chi2, length(idx), lower.tail = FALSE))
  }
}
"""


def script(blocks: list[AnalysisBundle]) -> str:
    """The whole R script: the helpers, then one block per analysis."""
    return R_PRELUDE + "".join(block.r_code for block in blocks)

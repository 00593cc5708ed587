"""The engine's results as types: what a pooled analysis, its parts and a Cox fit hold.

Each type has ``to_json()`` (the JSON stored in ``AnalysisResult.numbers`` and printed by
``manage.py pool --format json``) and ``from_json()`` (a stored result read back), as metafor's
``rma`` objects and statsmodels' ``CombineResults`` carry their numbers as attributes. Pages,
downloads, the R bundle and the figures read these attributes instead of spelling the JSON keys
again. ``to_json(from_json(stored)) == stored`` for every stored result: keys a type does not
name (added by later layers, such as ``per_trial`` or ``one_stage``) are kept in ``extra`` and
written back after the named ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from .io import json_safe

# The pooled estimate's keys, in the order they are stored.
ESTIMATE_KEYS = ("estimate", "se", "statistic", "df", "pval", "ci_lower", "ci_upper")
HETEROGENEITY_KEYS = ("q", "q_df", "q_pval", "tau2", "tau", "i2", "h2")
PI_KEYS = ("pi_lower", "pi_upper")
# Q-profile intervals: stored only when computed (random-effects models).
INTERVAL_KEYS = ("tau2_ci_lower", "tau2_ci_upper", "i2_ci_lower", "i2_ci_upper", "h2_ci_lower", "h2_ci_upper")
SUMMARY_KEYS = ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper")


def _names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name != "extra")


def _plain(cls, data: dict) -> dict:
    """The keyword arguments of ``cls`` from a stored dict (missing keys None), the rest as ``extra``."""
    names = _names(cls)
    known = {name: data.get(name) for name in names}
    return {**known, "extra": {k: v for k, v in data.items() if k not in names}}


@dataclass(frozen=True)
class Summary:
    """An estimate, its CI and PI back on the reported scale (ratios, proportions)."""

    estimate: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    pi_lower: float | None = None
    pi_upper: float | None = None

    def to_json(self, *, with_pi: bool = True) -> dict:
        """A study's summary has no prediction interval: its keys stop at the CI."""
        return {key: getattr(self, key) for key in (SUMMARY_KEYS if with_pi else SUMMARY_KEYS[:3])}

    @classmethod
    def from_json(cls, data: dict | None) -> Summary | None:
        return None if data is None else cls(**{key: data.get(key) for key in SUMMARY_KEYS})


@dataclass(frozen=True)
class StudyResult:
    """One study's row of a forest plot: its effect, variance, CI and weight (percent)."""

    study: str
    yi: float | None
    vi: float | None
    sei: float | None
    ci_lower: float | None
    ci_upper: float | None
    weight: float | None
    summary: Summary | None = None
    extra: dict = field(default_factory=dict)  # e.g. "source" (IPD or published) in a two-stage analysis

    @property
    def source(self) -> str | None:
        """Where a two-stage analysis took the study from: "IPD" or "published"."""
        return self.extra.get("source")

    def to_json(self) -> dict:
        out = {name: getattr(self, name) for name in _names(type(self)) if name != "summary"}
        out["summary"] = None if self.summary is None else self.summary.to_json(with_pi=False)
        return {**out, **self.extra}

    @classmethod
    def from_json(cls, data: dict) -> StudyResult:
        values = _plain(cls, data)
        values["summary"] = Summary.from_json(data.get("summary"))
        return cls(**values)


@dataclass(frozen=True)
class SmallStudyTest:
    """Egger's regression test (metafor's ``regtest(model="lm", predictor="sei")``)."""

    statistic: float
    df: int
    pval: float
    intercept: float  # the limit estimate as se -> 0
    slope: float
    slope_se: float

    def to_json(self) -> dict:
        return {name: getattr(self, name) for name in _names(type(self))}

    as_dict = to_json

    @classmethod
    def from_json(cls, data: dict | None) -> SmallStudyTest | None:
        if not data:
            return None
        return cls(**{name: data.get(name) for name in _names(cls)})


@dataclass(frozen=True)
class Coefficient:
    """One coefficient of a meta-regression."""

    estimate: float
    se: float
    statistic: float
    pval: float
    ci_lower: float
    ci_upper: float

    def to_json(self) -> dict:
        return {name: getattr(self, name) for name in _names(type(self))}

    @classmethod
    def from_json(cls, data: dict) -> Coefficient:
        return cls(**{name: data.get(name) for name in _names(cls)})


@dataclass(frozen=True)
class MetaRegressionResult:
    """The moderators' coefficients and omnibus test; heterogeneity is the residual one."""

    moderators: dict[str, Coefficient]
    qm: float
    qm_df: int
    qm_pval: float
    r2: float | None

    def to_json(self) -> dict:
        return {
            "moderators": {name: c.to_json() for name, c in self.moderators.items()},
            "qm": self.qm,
            "qm_df": self.qm_df,
            "qm_pval": self.qm_pval,
            "r2": self.r2,
        }

    @classmethod
    def from_json(cls, data: dict) -> MetaRegressionResult | None:
        if data.get("moderators") is None:
            return None
        return cls(
            moderators={name: Coefficient.from_json(c) for name, c in data["moderators"].items()},
            qm=data.get("qm"),
            qm_df=data.get("qm_df"),
            qm_pval=data.get("qm_pval"),
            r2=data.get("r2"),
        )


@dataclass(frozen=True)
class SubgroupResult:
    """Each level of a column pooled on its own, and the test of subgroup differences."""

    column: str
    levels: dict[str, PooledResult]
    q_between: float | None
    df_between: int | None
    q_between_pval: float | None

    def to_json(self) -> dict:
        return {
            "subgroup": self.column,
            "subgroups": {name: level.to_json() for name, level in self.levels.items()},
            "q_between": self.q_between,
            "df_between": self.df_between,
            "q_between_pval": self.q_between_pval,
        }

    @classmethod
    def from_json(cls, data: dict) -> SubgroupResult | None:
        if data.get("subgroups") is None:
            return None
        return cls(
            column=data.get("subgroup"),
            levels={name: PooledResult.from_json(level) for name, level in data["subgroups"].items()},
            q_between=data.get("q_between"),
            df_between=data.get("df_between"),
            q_between_pval=data.get("q_between_pval"),
        )


# The keys PooledResult names, for telling them from ``extra``.
_OPTIONS = ("measure", "method", "test", "level", "input_kind")
_SUBGROUP_KEYS = ("subgroup", "subgroups", "q_between", "df_between", "q_between_pval")
_REGRESSION_KEYS = ("moderators", "qm", "qm_df", "qm_pval", "r2")
_LISTS = ("egger", "leave_one_out", "not_applicable", "warnings", "notes")


@dataclass(frozen=True)
class PooledResult:
    """A pooled analysis (or one subgroup level of it) on the analysis scale (log for ratios).

    With a meta-regression the pooled estimate, its intervals and ``summary`` are absent
    (None) and tau², Q and I² are the residual ones. A subgroup level holds no options
    (measure, level, input kind), warnings or notes of its own: those are the analysis's.
    """

    k: int
    method: str
    test: str
    measure: str | None = None
    level: float | None = None
    input_kind: str | None = None
    estimate: float | None = None
    se: float | None = None
    statistic: float | None = None
    df: int | None = None
    pval: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    q: float | None = None
    q_df: int | None = None
    q_pval: float | None = None
    tau2: float | None = None
    tau: float | None = None
    i2: float | None = None
    h2: float | None = None
    pi_lower: float | None = None
    pi_upper: float | None = None
    tau2_ci_lower: float | None = None
    tau2_ci_upper: float | None = None
    i2_ci_lower: float | None = None
    i2_ci_upper: float | None = None
    h2_ci_lower: float | None = None
    h2_ci_upper: float | None = None
    summary: Summary | None = None
    studies: list[StudyResult] = field(default_factory=list)
    subgroups: SubgroupResult | None = None
    regression: MetaRegressionResult | None = None
    egger: SmallStudyTest | None = None
    leave_one_out: list[dict] | None = None
    not_applicable: dict[str, str] = field(default_factory=dict)  # part -> reason
    warnings: list[str] | None = None
    notes: list[str] | None = None
    extra: dict = field(default_factory=dict)

    @property
    def is_subgroup_level(self) -> bool:
        return self.measure is None

    @property
    def one_stage(self) -> CoxResult | None:
        """The one-stage Cox analysis stored beside a two-stage one (patient-level data)."""
        return CoxResult.from_json(self.extra.get("one_stage"))

    @property
    def per_trial(self) -> list[dict] | None:
        """A two-stage analysis's per-trial Cox estimates (the first stage)."""
        return self.extra.get("per_trial")

    @property
    def interactions(self) -> list[dict]:
        return self.extra.get("interactions") or []

    def to_json(self) -> dict:
        out: dict[str, Any] = {}
        if not self.is_subgroup_level:
            out.update({key: getattr(self, key) for key in _OPTIONS})
        out.update(k=self.k, method=self.method, test=self.test)
        regression = self.regression is not None
        if regression:
            out["df"] = self.df
            out.update({key: getattr(self, key) for key in HETEROGENEITY_KEYS})
        else:
            out.update({key: getattr(self, key) for key in ESTIMATE_KEYS})
            out.update({key: getattr(self, key) for key in HETEROGENEITY_KEYS})
            out.update({key: getattr(self, key) for key in PI_KEYS})
            if self.tau2_ci_lower is not None:
                out.update({key: getattr(self, key) for key in INTERVAL_KEYS})
            out["summary"] = None if self.summary is None else self.summary.to_json()
        out["studies"] = [study.to_json() for study in self.studies]
        if self.subgroups is not None:
            out.update(self.subgroups.to_json())
        if regression:
            out.update(self.regression.to_json())
        if self.egger is not None:
            out["egger"] = self.egger.to_json()
        if self.leave_one_out is not None:
            out["leave_one_out"] = self.leave_one_out
        if self.not_applicable:
            out["not_applicable"] = dict(self.not_applicable)
        if not self.is_subgroup_level:
            out["warnings"] = list(self.warnings or [])
            out["notes"] = list(self.notes or [])
        return json_safe({**out, **self.extra})

    @classmethod
    def from_json(cls, data: dict) -> PooledResult:
        named = {f.name for f in fields(cls)} | set(_SUBGROUP_KEYS) | set(_REGRESSION_KEYS)
        plain = {
            f.name: data.get(f.name)
            for f in fields(cls)
            if f.name
            not in ("summary", "studies", "subgroups", "regression", "egger", "not_applicable", "extra")
        }
        return cls(
            **plain,
            summary=Summary.from_json(data.get("summary")),
            studies=[StudyResult.from_json(row) for row in data.get("studies") or []],
            subgroups=SubgroupResult.from_json(data),
            regression=MetaRegressionResult.from_json(data),
            egger=SmallStudyTest.from_json(data.get("egger")),
            not_applicable=dict(data.get("not_applicable") or {}),
            extra={k: v for k, v in data.items() if k not in named},
        )


@dataclass(frozen=True)
class _Record:
    """A result read from JSON whose key order and unnamed keys are kept, so it writes back unchanged.

    The patient-level results vary in shape with the options (an interaction test, KM times,
    a comparison of more than two arms); ``keys`` remembers which keys the JSON had, in order.
    """

    extra: dict = field(default_factory=dict, kw_only=True)
    keys: tuple[str, ...] = field(default=(), kw_only=True, compare=False, repr=False)

    def _value_json(self, name: str):
        value = getattr(self, name)
        if isinstance(value, list):
            return [item.to_json() if hasattr(item, "to_json") else item for item in value]
        return value.to_json() if hasattr(value, "to_json") else value

    def to_json(self) -> dict:
        named = [f.name for f in fields(self) if f.name not in ("extra", "keys")]
        order = self.keys or tuple(named) + tuple(self.extra)
        out = {}
        for key in order:
            if key in self.extra:
                out[key] = self.extra[key]
            elif key in named:
                out[key] = self._value_json(key)
        return json_safe(out)

    @classmethod
    def from_json(cls, data: dict | None, **nested):
        """``nested`` maps a field to the type its JSON (or each item of its list) is read with."""
        if not data:
            return None
        named = [f.name for f in fields(cls) if f.name not in ("extra", "keys")]
        values = {}
        for name in named:
            value = data.get(name)
            reader = nested.get(name)
            if reader is not None and value is not None:
                value = [reader(item) for item in value] if isinstance(value, list) else reader(value)
            values[name] = value
        extra = {k: v for k, v in data.items() if k not in named}
        return cls(**values, extra=extra, keys=tuple(data))


@dataclass(frozen=True)
class CoxTerm(_Record):
    """One coefficient of a Cox model: log HR, SE, HR with 95% CI and the Wald test."""

    term: str | None = None
    log_hr: float | None = None
    se: float | None = None
    hr: float | None = None
    hr_ci_lower: float | None = None
    hr_ci_upper: float | None = None
    z: float | None = None
    pval: float | None = None
    treatment: str | None = None  # a comparison's arms (absent from a plain coefficient)
    control: str | None = None


@dataclass(frozen=True)
class KaplanMeierCurve(_Record):
    """One arm's Kaplan-Meier curve: its steps (time, surv, lower, upper, n_risk ...) and median."""

    treatment: str | None = None
    n: int | None = None
    events: int | None = None
    median: float | None = None
    steps: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class LogRankTest(_Record):
    chi2: float | None = None
    df: int | None = None
    pval: float | None = None


@dataclass(frozen=True)
class CoxResult(_Record):
    """A one-stage stratified Cox analysis of patient-level data (R survival's coxph, survfit, survdiff).

    ``log_hr`` ... ``pval`` are the treatment effect when there is one comparison; ``km`` holds
    survival at asked times and ``km_curves`` the Kaplan-Meier curves per arm.
    """

    n: int | None = None
    events: int | None = None
    control: str | None = None
    treatment: str | None = None
    strata: int | None = None
    log_hr: float | None = None
    se: float | None = None
    hr: float | None = None
    hr_ci_lower: float | None = None
    hr_ci_upper: float | None = None
    z: float | None = None
    pval: float | None = None
    coefficients: list[CoxTerm] = field(default_factory=list)
    comparisons: list[CoxTerm] = field(default_factory=list)
    km: list[dict] | None = None
    km_curves: list[KaplanMeierCurve] | None = None
    logrank: LogRankTest | None = None
    interaction: dict | None = None
    notes: list[str] | None = None

    @classmethod
    def from_json(cls, data: dict | None) -> CoxResult | None:
        return super().from_json(
            data,
            coefficients=CoxTerm.from_json,
            comparisons=CoxTerm.from_json,
            km_curves=KaplanMeierCurve.from_json,
            logrank=LogRankTest.from_json,
        )

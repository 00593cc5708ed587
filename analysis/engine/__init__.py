"""The statistics of the platform: effect sizes, pooling, heterogeneity, subgroups,
meta-regression, small-study tests (and, from .survival, Cox and Kaplan-Meier).

Pure Python on numpy/scipy: no Django import anywhere under this package.
"""

from .constants import MIN_STUDIES_FOR_SMALL_STUDY_TESTS, Z_975
from .effect_sizes import MEASURES, EffectSizes, back_transform, compute_effect_sizes
from .errors import ConvergenceError, EngineError, InputError
from .heterogeneity import q_profile_interval
from .io import detect_input_kind, json_safe, read_csv
from .meta_analysis import leave_one_out, pool_effects, pooled_analysis, run_pooled_analysis
from .moderators import (
    MetaRegression,
    SubgroupAnalysis,
    design_matrix,
    meta_regression,
    subgroup_analysis,
    test_of_subgroup_differences,
)
from .pooling import METHODS, PooledEstimate, pool_inverse_variance, pool_mantel_haenszel, pool_peto
from .results import (
    Coefficient,
    CoxResult,
    CoxTerm,
    KaplanMeierCurve,
    LogRankTest,
    MetaRegressionResult,
    PooledResult,
    SmallStudyTest,
    StudyResult,
    SubgroupResult,
    Summary,
)
from .small_study import egger_test
from .tau2 import TAU2_METHODS, estimate_tau2

pool = pool_inverse_variance

__all__ = [
    "MEASURES",
    "METHODS",
    "MIN_STUDIES_FOR_SMALL_STUDY_TESTS",
    "TAU2_METHODS",
    "Z_975",
    "Coefficient",
    "CoxResult",
    "CoxTerm",
    "ConvergenceError",
    "EffectSizes",
    "EngineError",
    "InputError",
    "KaplanMeierCurve",
    "LogRankTest",
    "MetaRegression",
    "MetaRegressionResult",
    "PooledEstimate",
    "PooledResult",
    "SmallStudyTest",
    "StudyResult",
    "SubgroupAnalysis",
    "SubgroupResult",
    "Summary",
    "back_transform",
    "compute_effect_sizes",
    "design_matrix",
    "detect_input_kind",
    "egger_test",
    "estimate_tau2",
    "json_safe",
    "leave_one_out",
    "meta_regression",
    "pool",
    "pool_effects",
    "pool_inverse_variance",
    "pool_mantel_haenszel",
    "pool_peto",
    "pooled_analysis",
    "q_profile_interval",
    "read_csv",
    "run_pooled_analysis",
    "subgroup_analysis",
    "test_of_subgroup_differences",
]

# Survival / IPD (Cox, Kaplan-Meier) exports follow below.
from .survival import (  # noqa: E402 - after the pooling names, which two_stage uses
    analyse_ipd,
    cox_treatment_effect,
    fit_cox,
    interaction_test,
    kaplan_meier,
    kaplan_meier_by_arm,
    logrank_test,
    per_trial_estimates,
    read_ipd_csv,
    two_stage,
)

__all__ += [
    "analyse_ipd",
    "cox_treatment_effect",
    "fit_cox",
    "interaction_test",
    "kaplan_meier",
    "kaplan_meier_by_arm",
    "logrank_test",
    "per_trial_estimates",
    "read_ipd_csv",
    "two_stage",
]

ENGINE_VERSION = "1.0.0"  # stored with every analysis result; bump it when a change alters any number

"""Numbers the engine and its readers (pages, downloads, figures) share: each defined here once."""

from __future__ import annotations

from scipy.special import ndtri

# The 97.5% quantile of the standard normal distribution (qnorm(0.975) in R): the half-width,
# in standard errors, of a two-sided 95% interval, and the divisor that turns one into an SE.
Z_975 = float(ndtri(0.975))

# Egger's regression and a funnel plot need this many studies: fewer leave the regression no
# residual degree of freedom, and a funnel no shape to read.
MIN_STUDIES_FOR_SMALL_STUDY_TESTS = 3

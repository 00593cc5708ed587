# Reference cases for the IPD time-to-event engine, computed by R survival.
# Usage (from the project root):
#   Rscript tests/analysis/engine/make_survival_cases.R tests/analysis/engine/data/survival_cases.json
# Needs r-base-core, r-cran-survival, r-cran-jsonlite. Never edit the JSON by hand: rerun this.
suppressMessages({library(survival); library(metafor); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "tests/analysis/engine/data/survival_cases.json"
num <- function(x) unname(as.numeric(x))
na_null <- function(x) { x <- num(x); ifelse(is.finite(x), x, NA) }

wald <- function(b, se) list(log_hr = b, se = se, hr = exp(b), hr_ci_lower = exp(b - qnorm(.975) * se),
                             hr_ci_upper = exp(b + qnorm(.975) * se), pval = 2 * pnorm(-abs(b / se)))

cox_terms <- function(fit) {
  b <- coef(fit); v <- vcov(fit)
  lapply(seq_along(b), function(j) c(list(term = names(b)[j]), wald(num(b[j]), sqrt(v[j, j]))))
}

strata_formula <- function(rhs, strata) {
  as.formula(paste("Surv(time, event) ~", rhs, if (!is.null(strata)) paste0("+ strata(", strata, ")") else ""))
}

cox_summary <- function(d, strata, rhs = "treatment", ties = "efron") {
  fit <- coxph(strata_formula(rhs, strata), data = d, ties = ties, control = coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100))
  c(list(n = fit$n, events = fit$nevent, loglik = num(fit$loglik[2]), loglik_null = num(fit$loglik[1])),
    wald(num(coef(fit)[1]), sqrt(vcov(fit)[1, 1])), list(coefficients = cox_terms(fit)))
}

km_tables <- function(d, times) {
  km <- survfit(Surv(time, event) ~ treatment, data = d)
  ks <- summary(km, times = times, extend = TRUE)
  at <- data.frame(treatment = sub("treatment=", "", as.character(ks$strata)), time = ks$time,
                   survival = ks$surv, n_risk = ks$n.risk, std_err = na_null(ks$std.err / ks$surv),
                   lower = na_null(ks$lower), upper = na_null(ks$upper))
  arm <- rep(sub("treatment=", "", names(km$strata)), km$strata)
  steps <- data.frame(treatment = arm, time = km$time, surv = km$surv, lower = na_null(km$lower),
                      upper = na_null(km$upper), n_risk = km$n.risk, n_event = km$n.event, n_censor = km$n.censor)
  med <- summary(km)$table[, "median"]
  list(at_times = at, steps = steps,
       medians = data.frame(treatment = sub("treatment=", "", names(med)), median = na_null(med)))
}

logrank <- function(d, strata) {
  f <- as.formula(paste("Surv(time, event) ~ treatment", if (!is.null(strata)) paste0("+ strata(", strata, ")") else ""))
  s <- survdiff(f, data = d)
  df <- sum(s$n > 0) - 1
  res <- list(chi2 = num(s$chisq), df = df, pval = pchisq(s$chisq, df, lower.tail = FALSE),
              observed = num(if (is.matrix(s$obs)) rowSums(s$obs) else s$obs),
              expected = num(if (is.matrix(s$exp)) rowSums(s$exp) else s$exp))
  if (length(s$n) == 2) { res$o_minus_e <- res$observed[2] - res$expected[2]; res$v <- num(s$var[2, 2]) }
  res
}

interaction <- function(d, strata, covariate, categorical) {
  dd <- d
  if (categorical) dd[[covariate]] <- factor(dd[[covariate]])
  fit <- coxph(strata_formula(paste("treatment *", covariate), strata), data = dd, ties = "efron",
               control = coxph.control(eps = 1e-12, toler.chol = 1e-15, iter.max = 100))
  b <- coef(fit); v <- vcov(fit)
  int <- grep(":", names(b))
  chi2 <- num(t(b[int]) %*% solve(v[int, int, drop = FALSE]) %*% b[int])
  res <- list(covariate = covariate, chi2 = chi2, df = length(int), pval = pchisq(chi2, length(int), lower.tail = FALSE),
              interaction = lapply(int, function(j) c(list(term = names(b)[j]), wald(num(b[j]), sqrt(v[j, j])))),
              loglik = num(fit$loglik[2]))
  if (categorical) {
    res$subgroups <- lapply(levels(dd[[covariate]]), function(level) {
      sub <- dd[dd[[covariate]] == level, ]
      c(list(level = level), cox_summary(sub, strata)[c("n", "events", "log_hr", "se", "hr", "hr_ci_lower", "hr_ci_upper", "pval")])
    })
  } else {
    res$subgroups <- lapply(c(.25, .5, .75), function(q) {
      at <- num(quantile(d[[covariate]], q, type = 7)); g <- c(1, rep(0, length(b) - 1)); g[int] <- at
      c(list(value = at), wald(sum(g * b), sqrt(num(t(g) %*% v %*% g))))
    })
  }
  res
}

per_trial <- function(d, strata) {
  lapply(sort(unique(as.character(d[[strata]]))), function(s) {
    sub <- d[as.character(d[[strata]]) == s, ]
    fit <- coxph(Surv(time, event) ~ treatment, data = sub, ties = "efron", control = coxph.control(eps = 1e-12, toler.chol = 1e-15))
    list(study = s, yi = num(coef(fit)), sei = sqrt(num(vcov(fit))))
  })
}

cases <- list()
two_stage <- function(d, strata, published) {
  ipd <- per_trial(d, strata)
  yi <- c(sapply(ipd, `[[`, "yi"), log(published$estimate))
  sei <- c(sapply(ipd, `[[`, "sei"), (log(published$ci_upper) - log(published$ci_lower)) / (2 * qnorm(.975)))
  fit <- rma(yi = yi, sei = sei, method = "REML", control = list(threshold = 1e-12, tol = 1e-12, maxiter = 10000))
  list(k = fit$k, estimate = num(fit$beta), se = num(fit$se), ci_lower = num(fit$ci.lb), ci_upper = num(fit$ci.ub),
       pval = num(fit$pval), tau2 = num(fit$tau2), q = num(fit$QE))
}

make_case <- function(id, source, d, strata, km_times, covariates = NULL, interactions = list(), published = NULL) {
  options <- list(time = "time", event = "event", treatment = "treatment", control = levels(d$treatment)[1],
                  strata = strata, km_times = I(km_times), covariates = if (is.null(covariates)) NULL else I(covariates))
  expected <- list(cox = cox_summary(d, strata), breslow = cox_summary(d, strata, ties = "breslow"),
                   km = km_tables(d, km_times), logrank = logrank(d, strata))
  if (!is.null(covariates)) {
    dd <- d
    for (cv in covariates) if (!is.numeric(dd[[cv]])) dd[[cv]] <- factor(dd[[cv]])
    expected$adjusted <- cox_summary(dd, strata, rhs = paste(c("treatment", covariates), collapse = " + "))
  }
  expected$interactions <- lapply(interactions, function(it) c(interaction(d, strata, it$covariate, it$categorical),
                                                                list(categorical = it$categorical)))
  if (!is.null(strata) && nlevels(d$treatment) == 2) expected$per_trial <- per_trial(d, strata)
  if (!is.null(published)) {
    options$published <- published
    expected$two_stage <- two_stage(d, strata, published)
  }
  d$treatment <- as.character(d$treatment)
  cases[[length(cases) + 1]] <<- list(id = id, source = source, options = options, data = d, expected = expected)
}

ver <- paste0("survival ", packageVersion("survival"))

## Real data: veteran lung cancer trial, cell type as the stratum; prior therapy and Karnofsky score as covariates.
vet <- with(veteran, data.frame(trial = as.character(celltype), treatment = ifelse(trt == 2, "test", "standard"),
                                time = time, event = status, prior = ifelse(prior == 10, "yes", "no"), karno = karno))
vet$treatment <- factor(vet$treatment, levels = c("standard", "test"))
make_case("veteran_full", paste(ver, "veteran"), vet, "trial", c(0, 25, 80, 144, 500, 1000),
          covariates = c("karno", "prior"),
          interactions = list(list(covariate = "karno", categorical = FALSE), list(covariate = "prior", categorical = TRUE)))

## Real data with missing values: lung (NCCTG), sex as "treatment", institution-free, ECOG score interaction.
lung2 <- with(lung, data.frame(trial = ifelse(is.na(inst), NA, ifelse(inst <= 10, "A", "B")),
                               treatment = ifelse(sex == 1, "male", "female"), time = time, event = status - 1,
                               age = age, ecog = ifelse(ph.ecog >= 2, "2+", as.character(ph.ecog))))
lung2$treatment <- factor(lung2$treatment, levels = c("male", "female"))
complete <- lung2[complete.cases(lung2), ]
make_case("lung_complete_cases", paste(ver, "lung (rows with NA dropped; inst <= 10 vs > 10 as strata)"), complete, "trial",
          c(100, 365, 730), covariates = c("age"),
          interactions = list(list(covariate = "age", categorical = FALSE), list(covariate = "ecog", categorical = TRUE)))
cases[[length(cases)]]$data <- lung2  # the engine gets the rows with NA and must drop them itself

## Simulated IPD: 6 trials, times in whole months (heavy ties), age, sex, performance status.
set.seed(20240611)
sim <- do.call(rbind, lapply(1:6, function(k) {
  n <- c(80, 120, 150, 200, 90, 160)[k]
  treatment <- rep(c("control", "active"), length.out = n)
  age <- round(rnorm(n, 60, 10)); sex <- rbinom(n, 1, .45); ps <- sample(c("0", "1", "2"), n, TRUE, c(.5, .35, .15))
  lp <- log(.75) * (treatment == "active") + .02 * (age - 60) + .3 * sex + .4 * (ps == "1") + .9 * (ps == "2") +
        .3 * (treatment == "active") * (ps == "2")
  t_event <- rexp(n, .05 * k^.3 * exp(lp)); t_cens <- runif(n, 6, 36)
  data.frame(trial = paste0("T", k), treatment = treatment, time = ceiling(pmin(t_event, t_cens)),
             event = as.integer(t_event <= t_cens), age = age, sex = sex, ps = ps)
}))
sim$treatment <- factor(sim$treatment, levels = c("control", "active"))
make_case("simulated_ties", paste(ver, "simulated, 6 trials, whole months"), sim, "trial", c(1, 6, 12, 24, 40),
          covariates = c("age", "sex", "ps"),
          interactions = list(list(covariate = "age", categorical = FALSE), list(covariate = "sex", categorical = TRUE),
                              list(covariate = "ps", categorical = TRUE)),
          published = data.frame(study = c("Published A", "Published B"), estimate = c(0.8, 0.62),
                                 ci_lower = c(0.6, 0.41), ci_upper = c(1.07, 0.94)))

## Three arms, stratified log-rank with 2 df and one coefficient per arm.
sim3 <- sim
sim3$treatment <- factor(ifelse(seq_len(nrow(sim)) %% 3 == 0, "high", as.character(sim$treatment)),
                         levels = c("control", "active", "high"))
make_case("simulated_three_arms", paste(ver, "simulated, three arms"), sim3, "trial", c(6, 12))

write_json(cases, out, auto_unbox = TRUE, digits = NA, pretty = FALSE, null = "null", na = "null")
cat(length(cases), "cases written to", out, "\n")

# Extra reference cases for the pooling engine, computed by R metafor (Debian r-cran-metafor).
# Modelled on shared/reference/metafor_cases.R; same JSON layout (id, source, options, data, expected).
# Usage: Rscript tests/analysis/engine/make_extra_cases.R tests/analysis/engine/data/extra_cases.json
#
# Data are public data sets shipped with metafor/metadat and survival; where a kind of input needs
# other columns (a ratio with its 95% CI, log-rank O-E and V, missing values, a subgroup of one study),
# the rows are derived from those data sets here, in code, and every expected number is computed by R.
suppressMessages({library(metafor); library(survival); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)

CTRL <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
num <- function(x) if (is.null(x)) NULL else unname(as.numeric(x))
ver <- paste0("metafor ", packageVersion("metafor"), ", ")
Z975 <- 1.959964  # the constant the issue fixes for se = (log(upper) - log(lower)) / (2 * 1.959964)

pooled <- function(res) {
  out <- list(k = res$k, estimate = num(res$beta[1]), se = num(res$se[1]),
              ci_lower = num(res$ci.lb[1]), ci_upper = num(res$ci.ub[1]),
              pval = num(res$pval[1]), q = num(res$QE), q_pval = num(res$QEp),
              tau2 = num(res$tau2), i2 = num(res$I2), h2 = num(res$H2))
  if (!is.null(res$method) && res$method != "FE" && res$method != "EE" && inherits(res, "rma.uni")) {
    p <- predict(res)
    out$pi_lower <- num(p$pi.lb); out$pi_upper <- num(p$pi.ub)
    ci <- tryCatch(confint(res, control = list(tol = 1e-12))$random, error = function(e) NULL)
    if (!is.null(ci)) {
      out$tau2_ci_lower <- num(ci["tau^2", "ci.lb"]); out$tau2_ci_upper <- num(ci["tau^2", "ci.ub"])
      out$i2_ci_lower <- num(ci["I^2(%)", "ci.lb"]); out$i2_ci_upper <- num(ci["I^2(%)", "ci.ub"])
    }
  }
  out
}
fixed_style <- function(res) list(k = res$k, estimate = num(res$beta), se = num(res$se), ci_lower = num(res$ci.lb),
                                  ci_upper = num(res$ci.ub), pval = num(res$pval), q = num(res$QE), q_pval = num(res$QEp))

cases <- list()
add <- function(id, source, data, options, expected) {
  cases[[length(cases) + 1]] <<- list(id = id, source = source, options = options, data = data, expected = expected)
}
fit <- function(dat, method, test = "z", mods = NULL) {
  if (is.null(mods)) rma(yi, vi, data = dat, method = method, test = test, control = CTRL)
  else rma(yi, vi, mods = mods, data = dat, method = method, test = test, control = CTRL)
}

## zero cells: dat.nielweise2007 (catheter infections; several zero cells, one double-zero trial).
## The engine drops double-zero tables (escalc drop00 = TRUE) and adds 1/2 to tables with a zero cell.
niel <- with(dat.nielweise2007, data.frame(study = paste(author, year), ai = ai, n1i = n1i, ci = ci, n2i = n2i))
src <- paste0(ver, "dat.nielweise2007")
for (mm in list(c("OR", "DL"), c("OR", "REML"), c("RR", "REML"), c("RD", "DL"), c("OR", "HE"))) {
  dat <- escalc(mm[1], ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = niel, drop00 = TRUE)
  add(paste0("nielweise_", tolower(mm[1]), "_", tolower(mm[2])), src, niel,
      list(measure = mm[1], method = mm[2]), pooled(fit(dat, mm[2])))
}
for (m in c("OR", "RR", "RD"))
  add(paste0("nielweise_", tolower(m), "_mh"), src, niel, list(measure = m, method = "MH"),
      fixed_style(rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = niel, measure = m)))
add("nielweise_peto", src, niel, list(measure = "OR", method = "PETO"),
    fixed_style(rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = niel)))

## dat.bcg again, with other estimators, tests and moderators
bcg <- with(dat.bcg, data.frame(study = paste(author, year), year = year,
       ai = tpos, bi = tneg, ci = cpos, di = cneg, ablat = ablat, alloc = alloc))
src <- paste0(ver, "dat.bcg")
rr <- escalc("RR", ai = ai, bi = bi, ci = ci, di = di, data = bcg)
add("bcg_rr_dl_knha", src, bcg, list(measure = "RR", method = "DL", test = "knha"), pooled(fit(rr, "DL", "knha")))
add("bcg_rr_pm_knha", src, bcg, list(measure = "RR", method = "PM", test = "knha"), pooled(fit(rr, "PM", "knha")))
add("bcg_or_ml", src, bcg, list(measure = "OR", method = "ML"), pooled(fit(escalc("OR", ai = ai, bi = bi, ci = ci, di = di, data = bcg), "ML")))
add("bcg_rd_mh", src, bcg, list(measure = "RD", method = "MH"),
    fixed_style(rma.mh(ai = ai, bi = bi, ci = ci, di = di, data = bcg, measure = "RD")))
add("bcg_or_peto", src, bcg, list(measure = "OR", method = "PETO"),
    fixed_style(rma.peto(ai = ai, bi = bi, ci = ci, di = di, data = bcg)))
metareg <- function(reg, names) {
  mods <- list()
  for (j in seq_along(names)) mods[[names[j]]] <- list(estimate = num(reg$beta[j]), se = num(reg$se[j]), pval = num(reg$pval[j]))
  list(k = reg$k, moderators = mods, qm = num(reg$QM), qm_pval = num(reg$QMp), tau2 = num(reg$tau2),
       q = num(reg$QE), q_pval = num(reg$QEp), r2 = num(reg$R2))
}
add("bcg_rr_reml_metareg_ablat_year", src, bcg, list(measure = "RR", method = "REML", mods = list("ablat", "year")),
    metareg(fit(rr, "REML", mods = ~ ablat + year), c("intercept", "ablat", "year")))
add("bcg_rr_reml_metareg_ablat_alloc", src, bcg, list(measure = "RR", method = "REML", mods = list("ablat", "alloc")),
    metareg(fit(rr, "REML", mods = ~ ablat + alloc), c("intercept", "ablat", "allocrandom", "allocsystematic")))
add("bcg_rr_dl_metareg_year", src, bcg, list(measure = "RR", method = "DL", mods = list("year")),
    metareg(fit(rr, "DL", mods = ~ year), c("intercept", "year")))
add("bcg_rr_ml_knha_metareg_ablat", src, bcg, list(measure = "RR", method = "ML", test = "knha", mods = list("ablat")),
    metareg(fit(rr, "ML", "knha", mods = ~ ablat), c("intercept", "ablat")))

subgroup_fit <- function(dat, by, method, test = "z") {
  groups <- sort(unique(dat[[by]])); est <- c(); se <- c(); per <- list()
  for (g in groups) {
    r <- rma(yi, vi, data = dat[dat[[by]] == g, ], method = method, test = test, control = CTRL)
    est <- c(est, r$beta[1]); se <- c(se, r$se)
    per[[as.character(g)]] <- pooled(r)
  }
  between <- rma(est, sei = se, method = "FE", control = CTRL)
  list(subgroups = per, q_between = num(between$QE), df_between = length(groups) - 1,
       q_between_pval = num(between$QEp))
}
## a subgroup with a single study: latitude bands, the northernmost band holding one trial
bcg_band <- bcg; bcg_band$band <- ifelse(bcg$ablat < 20, "tropics", ifelse(bcg$ablat < 53, "temperate", "north"))
rr_band <- escalc("RR", ai = ai, bi = bi, ci = ci, di = di, data = bcg_band)
add("bcg_rr_reml_subgroup_band", src, bcg_band, list(measure = "RR", method = "REML", subgroup = "band"),
    subgroup_fit(rr_band, "band", "REML"))
add("bcg_rr_dl_subgroup_alloc", src, bcg, list(measure = "RR", method = "DL", subgroup = "alloc"),
    subgroup_fit(rr, "alloc", "DL"))

## rows with missing values: two trials lose a count; metafor leaves them out
bcg_na <- bcg; bcg_na$ci[3] <- NA; bcg_na$ai[8] <- NA
add("bcg_rr_reml_missing", src, bcg_na, list(measure = "RR", method = "REML"),
    pooled(fit(escalc("RR", ai = ai, bi = bi, ci = ci, di = di, data = bcg_na), "REML")))

## a ratio with its 95% CI (as published, two decimals), and log ratio with its SE
rci <- data.frame(study = bcg$study, estimate = round(exp(rr$yi), 2),
                  ci_lower = round(exp(rr$yi - 1.959964 * sqrt(rr$vi)), 2), ci_upper = round(exp(rr$yi + 1.959964 * sqrt(rr$vi)), 2))
hr <- with(rci, data.frame(yi = log(estimate), vi = ((log(ci_upper) - log(ci_lower)) / (2 * Z975))^2))
add("bcg_hr_ci_reml", src, rci, list(measure = "HR", method = "REML"), pooled(fit(hr, "REML")))
add("bcg_hr_ci_fe", src, rci, list(measure = "HR", method = "FE"), pooled(fit(hr, "FE")))
ort <- escalc("OR", ai = ai, bi = bi, ci = ci, di = di, data = bcg)
orci <- data.frame(study = bcg$study, estimate = round(exp(ort$yi), 3),
                   ci_lower = round(exp(ort$yi - 1.959964 * sqrt(ort$vi)), 3), ci_upper = round(exp(ort$yi + 1.959964 * sqrt(ort$vi)), 3))
orci$estimate[6] <- NA
or_dat <- with(orci, data.frame(yi = log(estimate), vi = ((log(ci_upper) - log(ci_lower)) / (2 * Z975))^2))
add("bcg_or_ci_dl_missing", src, orci, list(measure = "OR", method = "DL"), pooled(fit(or_dat, "DL")))
ysei <- data.frame(study = bcg$study, yi = round(rr$yi, 4), sei = round(sqrt(rr$vi), 4))
add("bcg_yi_sei_pm", src, ysei, list(measure = "GEN", method = "PM"),
    pooled(rma(yi, sei = sei, data = ysei, method = "PM", control = CTRL)))
ysei_na <- ysei; ysei_na$sei[2] <- NA; ysei_na$yi[9] <- NA
add("bcg_yi_sei_reml_knha_missing", src, ysei_na, list(measure = "HR", method = "REML", test = "knha"),
    pooled(rma(yi, sei = sei, data = ysei_na, method = "REML", test = "knha", control = CTRL)))
add("bcg_yi_sei_sj", src, ysei, list(measure = "HR", method = "SJ"),
    pooled(rma(yi, sei = sei, data = ysei, method = "SJ", control = CTRL)))
yvi <- data.frame(study = bcg$study, yi = round(rr$yi, 4), vi = round(rr$vi, 5))
add("bcg_yi_vi_eb", src, yvi, list(measure = "GEN", method = "EB"), pooled(fit(yvi, "EB")))

## log-rank O - E and V per cell type in survival::veteran (test vs standard chemotherapy)
lr <- do.call(rbind, lapply(levels(veteran$celltype), function(ct) {
  s <- survdiff(Surv(time, status) ~ trt, data = veteran[veteran$celltype == ct, ])
  data.frame(study = ct, o_minus_e = round(s$obs[2] - s$exp[2], 4), v = round(s$var[2, 2], 4))
}))
lr_dat <- with(lr, data.frame(yi = o_minus_e / v, vi = 1 / v))
for (m in c("FE", "DL", "REML"))
  add(paste0("veteran_logrank_", tolower(m)), "survival 3.5-3, veteran (survdiff per cell type)", lr,
      list(measure = "HR", method = m), pooled(fit(lr_dat, m)))

## continuous outcomes
nor <- with(dat.normand1999, data.frame(study = source, m1i = m1i, sd1i = sd1i, n1i = n1i,
            m2i = m2i, sd2i = sd2i, n2i = n2i))
for (ms in list(c("SMD", "HS"), c("SMD", "HE"), c("MD", "SJ"), c("SMD", "EB"))) {
  dat <- escalc(ms[1], m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = nor)
  add(paste0("normand_", tolower(ms[1]), "_", tolower(ms[2])), paste0(ver, "dat.normand1999"), nor,
      list(measure = ms[1], method = ms[2]), pooled(fit(dat, ms[2])))
}

## tau² truncated at 0: dat.hine1989 (RD) and dat.yusuf1985 table 6 (OR)
hine <- with(dat.hine1989, data.frame(study = source, ai = ai, n1i = n1i, ci = ci, n2i = n2i))
for (m in c("HE", "DL", "REML", "SJ"))
  add(paste0("hine_rd_", tolower(m)), paste0(ver, "dat.hine1989"), hine, list(measure = "RD", method = m),
      pooled(fit(escalc("RD", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = hine), m)))
yus <- subset(dat.yusuf1985, table == "6", select = c(trial, ai, n1i, ci, n2i)); names(yus)[1] <- "study"
add("yusuf6_or_he", paste0(ver, "dat.yusuf1985 table 6"), yus, list(measure = "OR", method = "HE"),
    pooled(fit(escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = yus, drop00 = TRUE), "HE")))

## single proportions, with a 0 and an n responder arm (dat.pritz1997, two arms edited here)
prop_case <- function(id, src, d, measure, method) {
  dat <- escalc(measure, xi = xi, ni = ni, data = d)
  e <- pooled(fit(dat, method))
  back <- switch(measure, PLO = function(x) transf.ilogit(x), PFT = function(x) transf.ipft.hm(x, targs = list(ni = d$ni)),
                 PAS = function(x) transf.iarcsin(x), PR = function(x) x)
  e$summary <- list(estimate = back(e$estimate), ci_lower = back(e$ci_lower), ci_upper = back(e$ci_upper))
  if (!is.null(e$pi_lower)) { e$summary$pi_lower <- back(e$pi_lower); e$summary$pi_upper <- back(e$pi_upper) }
  add(id, src, d, list(measure = measure, method = method), e)
}
pritz <- with(dat.pritz1997, data.frame(study = authors, xi = xi, ni = ni))
pritz_edge <- pritz; pritz_edge$xi[2] <- 0; pritz_edge$xi[5] <- pritz_edge$ni[5]
src <- paste0(ver, "dat.pritz1997 (arms 2 and 5 set to 0 and n responders)")
for (mm in list(c("PLO", "REML"), c("PLO", "DL"), c("PR", "REML"), c("PFT", "DL"), c("PAS", "FE")))
  prop_case(paste0("pritz_edge_", tolower(mm[1]), "_", tolower(mm[2])), src, pritz_edge, mm[1], mm[2])
pritz_na <- pritz; pritz_na$xi[4] <- NA
prop_case("pritz_pft_reml_missing", paste0(ver, "dat.pritz1997 (arm 4 missing)"), pritz_na, "PFT", "REML")
prop_case("pritz_plo_fe_missing", paste0(ver, "dat.pritz1997 (arm 4 missing)"), pritz_na, "PLO", "FE")
debruin <- with(dat.debruin2009, data.frame(study = paste(author, year), xi = xi, ni = ni))
prop_case("debruin_plo_reml", paste0(ver, "dat.debruin2009"), debruin, "PLO", "REML")
prop_case("debruin_pft_pm", paste0(ver, "dat.debruin2009"), debruin, "PFT", "PM")

## Egger's test on a random-effects analysis (dat.li2007, magnesium trials, OR)
li <- with(dat.li2007, data.frame(study = paste(study, year), ai = ai, n1i = n1i, ci = ci, n2i = n2i))
dat <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = li, drop00 = TRUE)
res <- fit(dat, "REML")
rt <- regtest(res, model = "lm", predictor = "sei")
add("li2007_or_reml_egger", paste0(ver, "dat.li2007"), li, list(measure = "OR", method = "REML", egger = TRUE),
    c(pooled(res), list(egger = list(statistic = num(rt$zval), df = num(rt$dfs), pval = num(rt$pval)))))

write_json(cases, args[1], auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null", na = "null")
cat(length(cases), "cases written to", args[1], "\n")

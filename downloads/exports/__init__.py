"""Downloads: results, data and figures in the forms reviewers use, and the reproducibility bundle."""

"""A demonstration data set (`flask --app courseapp seed-demo`): fictional organisations,
cohorts and learners at every stage, so a new user sees a living dashboard."""

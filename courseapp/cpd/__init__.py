"""The learner's CPD record: reflections on modules and pathways, and the record of
what they did, to download as PDF or CSV."""

"""The monthly assessment's pure parts (DESIGN.md §10): the score formula and the ranking within a
group, without the database. The models are in tickets.models.assessment, the freezing in
tickets.services.assessment, the reads in tickets.selectors.assessment."""

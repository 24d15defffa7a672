"""Practice: the explorer's steps as questions the learner answers (issue 13's pages)."""

"""Evaluation (đánh giá): findings per site and target from the journal, the inventory and the
coverage survey.  ``model`` holds the data, ``rules`` the pure functions, ``cause`` the likely
cause of a loss, ``run`` the one streamed pass over the store."""

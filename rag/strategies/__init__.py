"""Answer strategies: one module each, tried in the order of `registry.STRATEGIES`.

Each strategy has a `name`, a cheap `accepts(question, ctx)` that reads only the
`Question`'s fields, and `answer(question, passages, ctx)` that returns a `Draft`
or None. The first strategy that accepts the question and returns a Draft wins;
the refusal strategy always does. See docs/ARCHITECTURE.md, "Add a strategy".
"""

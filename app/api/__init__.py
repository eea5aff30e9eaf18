"""REST adapter: parse, call one service function, shape, commit if it wrote."""

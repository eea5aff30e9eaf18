"""The HTTP layer that wraps every adapter (REST, GraphQL, the pages).

``stack.py`` lists its layers, outermost first; each concern has a module of its
own. Nothing here imports an adapter.
"""

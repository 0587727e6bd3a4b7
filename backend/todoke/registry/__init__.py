"""The municipality's base registry: persons, households, facts and their change log."""

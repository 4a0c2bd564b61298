"""Your settings, in one page and one API resource: the account's preferences (``accounts``:
language, review threshold, currency) and the weather place and provider (``wardrobe.weather``). A
composition room: no models, no rules of its own; it only calls the two rooms' services."""

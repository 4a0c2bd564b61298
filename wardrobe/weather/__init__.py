"""Weather for outfit suggestions: a provider registry (Open-Meteo's forecast, or the weather the user
types in), place search by name, the user's weather settings, and their API.

The user's place is set by them (a city looked up by name, or coordinates); it is never guessed from
their IP address.
"""

"""Migrations of the app's first version (app label ``wardrobe``); no models of its own."""

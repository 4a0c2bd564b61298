"""Plumbing every room shares and no room owns: the OpenAPI schema class and API errors, strict API
fields, safe redirects, private-file responses, the currency choices and template helpers. No models
and no domain rules; it imports no room of the house."""

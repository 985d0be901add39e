"""Infrastructure shared by every layer above the domain: configuration, extensions, crypto."""

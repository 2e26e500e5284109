"""The declarative workspace file: marketing as code, validated whole and applied atomically."""

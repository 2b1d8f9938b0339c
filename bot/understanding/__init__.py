"""Understanding a message: normalisation, language, emergencies, n-grams, the index."""

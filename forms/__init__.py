"""One FlaskForm per stage; shape validation only (lengths, types, required)."""

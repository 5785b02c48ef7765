"""What reads the request on behalf of the blueprints (login sessions for now)."""

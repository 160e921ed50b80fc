"""Operations: health checks, security headers, rate limits and behaviour when a service fails."""

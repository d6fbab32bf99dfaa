"""The shared kernel every feature uses: clock, domain errors, links, phones, numbering,
storage, mail, rate limits and tenant-scoped Redis keys. It sits above tenancy and below models."""

"""Platform billing: what each agency owes the platform and what happens when it does not pay."""

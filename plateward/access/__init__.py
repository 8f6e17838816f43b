"""Who may use Plateward: personal accounts, roles and what each role may do (policy A.8)."""

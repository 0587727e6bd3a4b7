"""The back office: everything staff do, split by job (cases, residents, counter, designer,
admin). It calls the owning domains for their data and keeps only its own tables: who works a
case, case notes, consultation records and follow-ups."""

"""After the award: the grant agreement, the spending ledger, the progress update and final report."""

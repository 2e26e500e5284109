"""The sending service: enqueue a message for a contact under the gate, deliver what is due."""

"""Clinical workflows as plain functions over the Repository.

Each public function is one step a clinician takes (register, take vitals, diagnose, prescribe, sign,
admit, discharge...). It validates its input first and raises ClinicalError with a Vietnamese message,
then writes every resource of the step inside one transaction: a step is stored whole or not at all.
Views only parse the form, call one of these, and render.
"""

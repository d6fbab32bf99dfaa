"""The standard wording of each document, used until an agency saves its own (not legal advice)."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a label for the translation catalog; whoever shows it translates it."""
    return message


# Staff pages show these as they are; the portal and texts translate them (documents.label).
KIND_LABELS = {
    "application": N_("Bail bond application"),
    "indemnity": N_("Indemnity agreement"),
    "premium_agreement": N_("Premium and payment-plan agreement"),
    "collateral_receipt": N_("Collateral receipt"),
}

# In the texts below, [[ … ]] is left out when a variable in it has no value, and
# [[ … || … ]] prints the part after || instead (bbp.documents.variables).

APPLICATION = """\
This application is made to {{ agency_name }} (the "Agency") to obtain a bail bond for the \
defendant named below. The Agency relies on it to decide whether to post the bond.

Defendant: {{ defendant_name }}
Date of birth: {{ defendant_dob }}
Address: {{ defendant_address }}

Bond number: {{ bond_number }}
Case number: {{ case_number }}
Court: {{ court_name }}
County: {{ county }}
Bail amount: {{ bail_amount }}
[[Charges:
{{ charges }}||Charges: none on file]]
Next court date: {{ next_court_date }}
Cosigners: {{ cosigner_names }}

1. Truthful information. I, {{ signer_name }}[[ ({{ signer_role }})]], state that the information \
I have given the Agency, on this application and in conversation, is true and complete. I \
understand that the Agency may refuse or surrender the bond if any of it is false.

2. Court appearances. The defendant must appear at every court date until the case ends and \
the bond is discharged. Missing court can cause the bond to be forfeited and a warrant to be \
issued for the defendant's arrest.

3. Keeping in touch. The defendant must tell the Agency within 24 hours of any change of \
address, phone number or employment, and of any new arrest, and must answer the Agency's calls \
and texts and complete any check-ins it requires.

4. Travel. The defendant will not leave the state without the written consent of the Agency \
and the permission of the court, where the court requires it.

5. Checks. I authorize the Agency to verify the information given, including employment, \
residence and public records, and to contact the references I have provided.

6. Surrender. The Agency may return the defendant to custody at any time before the bond is \
discharged if it reasonably believes the defendant will not appear or has broken these terms, \
as the law of this state permits.

Questions about this application can be directed to {{ agency_name }}[[ at {{ agency_phone }}]].
Date: {{ today }}"""

INDEMNITY = """\
This agreement is between {{ agency_name }} (the "Agency") and the undersigned indemnitor, \
{{ signer_name }}[[ ({{ signer_role }})]][[, of {{ signer_address }}]], for bail bond \
{{ bond_number }} posted for {{ defendant_name }} (the "Defendant")[[ in case {{ case_number }}]]\
[[ in {{ court_name }}]][[, {{ county }} County]], in the amount of {{ bail_amount }}.

1. Guarantee of appearance. In return for the Agency posting the bond, I guarantee that the \
Defendant will appear in court on every date required until the bond is discharged by the court.

2. Liability for the full amount. If the bond is forfeited, I agree to pay the Agency on demand \
the full bail amount of {{ bail_amount }}, plus every cost the Agency incurs because of the \
forfeiture or a failure to appear, including the cost of locating and returning the Defendant \
to custody, court costs, and reasonable attorney's fees, as the law allows. My liability is \
joint and several: the Agency may collect the whole amount from me alone.[[ The same holds \
for every other indemnitor on this bond: {{ other_cosigner_names }}.]]

3. Premium. I am also responsible for any unpaid premium and fees on this bond. The premium is \
{{ premium }} and fees are {{ fees }}; the balance owed today is {{ balance }}.

4. Surrender of the Defendant. If the Agency asks, I will help it locate the Defendant and \
return the Defendant to custody. I understand the Agency may surrender the Defendant at any \
time before discharge if it reasonably believes the risk of non-appearance has increased, and \
that premium is not refunded when that happens because of the Defendant's conduct.

5. Collateral. Collateral given for this bond is held as security for everything owed under \
this agreement. If the bond is forfeited or money is owed, the Agency may apply or sell the \
collateral as the law allows. [[Collateral held today:
{{ collateral }}||No collateral is held today.]]
Once the bond is discharged by the court and everything owed is paid, collateral is returned \
within {{ collateral_return_days }} days.

6. Staying informed. I will tell the Agency within 24 hours if I change my address or phone \
number, or learn that the Defendant has moved, been arrested, or may not appear in court.

7. Duration. This agreement lasts until the bond is discharged by the court and every amount \
owed to the Agency is paid.

I have read this agreement, had the chance to ask questions, and sign it voluntarily.
Date: {{ today }}"""

PREMIUM_AGREEMENT = """\
This agreement sets out what {{ signer_name }}[[ ({{ signer_role }})]] agrees to pay \
{{ agency_name }} (the "Agency") for bail bond {{ bond_number }}, posted for \
{{ defendant_name }}[[ in case {{ case_number }}]][[ in {{ court_name }}]].

Bail amount: {{ bail_amount }}
Premium: {{ premium }}
Fees: {{ fees }}
Total due: {{ total_due }}
Balance owed today: {{ balance }}

1. The premium is fully earned. The premium is the Agency's charge for posting the bond. It \
is fully earned once the bond is posted and is not refundable, even if the case is dismissed, \
the charges are reduced, the Defendant is surrendered or re-arrested, or the bond is \
discharged soon after it was posted. The premium is not part of the bail and is not returned \
by the court.

2. Payment plan. [[Any part of the total not paid today is owed on this schedule:
{{ plan_summary }}||There is no payment plan: the whole total is due when the bond is posted.]]

3. Late payments. If a payment is more than 10 days late, the Agency may demand the whole \
remaining balance at once, charge any late fee the law allows, and treat the missed payment as \
a reason to review the bond. Payments are applied to fees first, then to the premium.

4. No discharge of other obligations. Paying the premium does not end any obligation under the \
application or an indemnity agreement for this bond.

5. Receipts. The Agency issues a numbered receipt for every payment. Keep your receipts.

Questions: {{ agency_name }}[[, {{ agency_phone }}]].
Date: {{ today }}"""

COLLATERAL_RECEIPT = """\
{{ agency_name }} (the "Agency") acknowledges receiving the collateral listed below from \
{{ signer_name }}[[ ({{ signer_role }})]] as security for bail bond {{ bond_number }}, posted \
for {{ defendant_name }}[[ in case {{ case_number }}]][[ in {{ court_name }}]], in the amount \
of {{ bail_amount }}.

[[Collateral received:
{{ collateral }}||No collateral is held for this bond today.]]

1. Why it is held. The collateral secures the bail amount and every amount owed to the Agency \
under the indemnity and premium agreements for this bond. It is not a payment of premium.

2. Return. The Agency returns the collateral within {{ collateral_return_days }} days after \
the court discharges (exonerates) the bond, once every amount owed to the Agency has been paid. \
The Agency may ask for written proof of the discharge and for this receipt.

3. Forfeiture. If the bond is forfeited, or money is owed under the agreements, the Agency may \
keep, apply or sell the collateral as the law allows, and will account for any amount left over.

4. Cash collateral. Cash is kept separately from the Agency's own funds where the law \
requires it, and is returned by check to the person named on this receipt.

Keep this receipt: it is needed to claim the collateral back.
Date: {{ today }}"""

STANDARD = {
    "application": ("Bail Bond Application", APPLICATION),
    "indemnity": ("Indemnity Agreement", INDEMNITY),
    "premium_agreement": ("Premium and Payment Plan Agreement", PREMIUM_AGREEMENT),
    "collateral_receipt": ("Collateral Receipt", COLLATERAL_RECEIPT),
}

"""Loading a campaign from a folder of files (``manage.py load_campaign``).

The files are the admin imports' own (the same resources read them: Chinese or English
headers, UTF-8, BOM or GBK CSV, or XLSX) plus tally files, and they load in the order one
depends on the other: areas, the campaign, sites, targets, accounts, tallies. The whole
folder loads in one transaction: a bad row anywhere and nothing is written; a dry run
rolls back at the end, so later files are checked against the earlier ones. Each file is
audited with its SHA-256, as the admin's imports are."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from tablib import Dataset  # type: ignore[import-untyped]

from audit.models import AuditEvent
from audit.services import audit_record
from campaign.resources import (
    AccountResource,
    CampaignResource,
    CommitteeResource,
    DistrictResource,
    SubdistrictResource,
    TargetResource,
)
from campaign.services import set_password_link
from campaign.uploads import UndecodableFile, decode_upload
from sites.models import TallyImport
from sites.resources import SiteResource
from sites.services.imports import tally_import_check, tally_import_run

TALLIES = "tallies"
# (kind, the file names it goes by, its resource), in the order they load.
KINDS: list[tuple[str, tuple[str, ...], Any]] = [
    ("districts", ("districts", "district", "区"), DistrictResource),
    ("subdistricts", ("subdistricts", "subdistrict", "街道"), SubdistrictResource),
    ("committees", ("committees", "committee", "居委"), CommitteeResource),
    ("campaign", ("campaign", "campaigns", "接种工作"), CampaignResource),
    ("sites", ("sites", "site", "接种点"), SiteResource),
    ("targets", ("targets", "target", "目标"), TargetResource),
    ("users", ("users", "accounts", "账号", "用户"), AccountResource),
    (TALLIES, ("tallies", "tally", "接种数"), None),
]
SUFFIXES = (".csv", ".xlsx")
RESOURCES = {kind: resource for kind, _names, resource in KINDS}


@dataclass
class FileProblem:
    line: int  # 1 is the header line; 0 the whole file
    column: str
    message: str


@dataclass
class FileResult:
    kind: str
    name: str
    sha256: str
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[FileProblem] = field(default_factory=list)


@dataclass
class CampaignLoad:
    files: list[FileResult] = field(default_factory=list)
    # (username, path of the set-password link) of each account created
    new_accounts: list[tuple[str, str]] = field(default_factory=list)
    unknown_files: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.files) and not any(f.problems for f in self.files)


def _kind_of(path: Path) -> str | None:
    # "1-districts.csv", "tallies-2021-06-24.csv", "接种数_0624.xlsx"
    stem = re.sub(r"^[\d\s._-]+", "", path.stem).casefold()
    for kind, names, _resource in KINDS:
        if stem in names or (kind == TALLIES and stem.startswith(names)):
            return kind
    return None


def files_in_order(folder: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """The folder's files by kind in loading order (tallies by name), and the others."""
    order = {kind: index for index, (kind, _names, _resource) in enumerate(KINDS)}
    found: list[tuple[str, Path]] = []
    unknown: list[str] = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        kind = _kind_of(path) if path.suffix.lower() in SUFFIXES else None
        if kind is None:
            unknown.append(path.name)
        else:
            found.append((kind, path))
    found.sort(key=lambda item: (order[item[0]], item[1].name))
    return found, unknown


def _dataset(path: Path, content: bytes) -> Dataset:
    if path.suffix.lower() == ".xlsx":
        return Dataset().load(content, format="xlsx")
    text, _encoding = decode_upload(content)
    return Dataset().load(text, format="csv")


def _load_table(result: FileResult, resource_class: Any, path: Path, content: bytes) -> Any:
    try:
        dataset = _dataset(path, content)
    except UndecodableFile:
        result.problems.append(
            FileProblem(0, "", _("The file is neither UTF-8 nor GBK text; save it as CSV (UTF-8)."))
        )
        return None
    except Exception:  # tablib's readers raise many kinds for a file that is not a table
        result.problems.append(FileProblem(0, "", _("The file cannot be read as a table.")))
        return None
    resource = resource_class()
    outcome = resource.import_data(dataset, dry_run=False, use_transactions=False)
    for error in outcome.base_errors:
        result.problems.append(FileProblem(0, "", str(error.error)))
    for number, errors in outcome.row_errors():
        for error in errors:
            result.problems.append(FileProblem(number + 1, "", str(error.error)))
    for row in outcome.invalid_rows:
        for column, messages in row.error_dict.items():
            for message in messages:
                result.problems.append(FileProblem(row.number + 1, column, str(message)))
    totals = outcome.totals
    result.rows = outcome.total_rows
    result.new = totals.get("new", 0)
    result.updated = totals.get("update", 0)
    result.unchanged = totals.get("skip", 0)
    return resource


def _load_tallies(result: FileResult, user: User, path: Path, content: bytes) -> None:
    log = tally_import_check(user=user, file_name=path.name, content=content, store=True)
    if log.status == TallyImport.Status.CHECKED:
        log = tally_import_run(log=log)
    result.rows = log.rows_total
    result.new, result.updated = log.rows_new, log.rows_updated
    result.unchanged = log.rows_unchanged
    if log.status == TallyImport.Status.ALREADY_IMPORTED:
        result.unchanged = log.rows_total
    elif log.status != TallyImport.Status.IMPORTED:
        for problem in log.errors or [{"line": 0, "column": "", "message": log.status}]:
            result.problems.append(
                FileProblem(problem["line"], problem["column"], problem["message"])
            )


def campaign_load(*, folder: Path, user: User, dry_run: bool = False) -> CampaignLoad:
    """Load every file of ``folder`` as ``user``; all or nothing."""
    files, unknown = files_in_order(folder)
    load = CampaignLoad(unknown_files=unknown, dry_run=dry_run)
    with transaction.atomic():
        for kind, path in files:
            content = path.read_bytes()
            result = FileResult(kind, path.name, hashlib.sha256(content).hexdigest())
            load.files.append(result)
            resource_class = RESOURCES[kind]
            if resource_class is None:
                _load_tallies(result, user, path, content)
            else:
                resource = _load_table(result, resource_class, path, content)
                if isinstance(resource, AccountResource):
                    load.new_accounts += [
                        (account.get_username(), set_password_link(account))
                        for account in resource.new_accounts
                    ]
            if result.problems:
                break  # later files depend on this one: their errors would only repeat it
        if dry_run or not load.ok:
            transaction.set_rollback(True)
            load.new_accounts = []
    for result in load.files:  # after the transaction, so a refused load is audited too
        audit_record(
            kind=AuditEvent.Kind.IMPORT_CHECKED if dry_run else AuditEvent.Kind.IMPORTED,
            user=user,
            detail={
                "model": result.kind,
                "file": result.name,
                "sha256": result.sha256,
                "outcome": "refused" if not load.ok else "checked" if dry_run else "imported",
                "rows": result.rows,
                "new": result.new,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": len({problem.line for problem in result.problems}),
                "via": "load_campaign",
            },
        )
    return load

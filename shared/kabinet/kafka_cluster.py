"""What the Kafka cluster says — brokers, partitions, topic configs, consumer groups — as plain values.

The one module that knows the shapes of kafka-python's admin answers (they changed between its
major versions: 3.0 renamed the metadata fields and added group helpers that 2.3 lacks);
every caller reads these functions, never a raw answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from kafka.errors import for_code
from kafka.protocol.api import Request, Response
from kafka.protocol.types import (
    Boolean,
    CompactArray,
    CompactString,
    Int16,
    Int32,
    Int64,
    Schema,
    TaggedFields,
)

from kabinet import broker_verdict
from kabinet.broker_verdict import TopicState


@dataclass(frozen=True)
class Broker:
    """A broker the cluster lists as alive (in KRaft mode: registered and unfenced)."""

    id: int
    host: str
    port: int


@dataclass(frozen=True)
class Cluster:
    """The brokers the metadata lists, and the active controller (None while there is none)."""

    brokers: tuple[Broker, ...]
    controller: int | None


def cluster(admin: KafkaAdminClient) -> Cluster:
    """One metadata round trip for no topic: the brokers and the controller.

    Not `describe_cluster()`: kafka-python 2.3 asks it for the metadata of every topic in the
    cluster, then drops them (33 ms of CPU per call on a broker holding a few hundred topics).
    """
    return _cluster(_metadata(admin, []))


def _metadata(admin: KafkaAdminClient, topics: list[str]) -> dict[str, Any]:
    # the public calls wrap this one; an empty list asks for no topic, None for all of them
    return admin._get_cluster_metadata(topics=topics)  # type: ignore[no-any-return]


def _cluster(info: Mapping[str, Any]) -> Cluster:
    controller = info.get("controller_id")
    return Cluster(
        brokers=tuple(Broker(int(b["node_id"]), str(b["host"]), int(b["port"])) for b in info["brokers"]),
        controller=int(controller) if controller is not None and controller >= 0 else None,
    )


def topics_and_cluster(admin: KafkaAdminClient, topics: Sequence[str]) -> tuple[list[TopicState], Cluster]:
    """Each topic's error code and partitions (leader, in-sync replicas, by partition number),
    and the `cluster`, from one metadata round trip."""
    info = _metadata(admin, list(topics))
    return broker_verdict.topic_states(info["topics"]), _cluster(info)


def leaders(admin: KafkaAdminClient, topic: str) -> dict[int, int]:
    """Partition → its leader's broker id (-1 while it has none)."""
    return {p.partition: p.leader for t in topics_and_cluster(admin, [topic])[0] for p in t.partitions}


def topic_config(admin: KafkaAdminClient, topics: Sequence[str], key: str) -> dict[str, str | None]:
    """The value of config `key` for each of `topics` (None where the answer lacks it)."""
    if not topics:
        return {}
    wanted = [ConfigResource(ConfigResourceType.TOPIC, name, {key: None}) for name in topics]
    found: dict[str, str | None] = dict.fromkeys(topics)
    for response in admin.describe_configs(wanted):
        for resource in response.to_object()["resources"]:
            for entry in resource["config_entries"]:
                if entry["config_names"] == key:
                    found[resource["resource_name"]] = entry["config_value"]
    return found


def group_states(admin: KafkaAdminClient, prefix: str = "") -> dict[str, str]:
    """Consumer group → its state (`Stable`, `PreparingRebalance`, `Empty`, …), for the groups
    whose names start with `prefix`."""
    names = sorted(g for g, _ in admin.list_consumer_groups() if g.startswith(prefix))
    return {g.group: g.state for g in admin.describe_consumer_groups(names)} if names else {}


def committed(
    admin: KafkaAdminClient, groups: Sequence[str], partitions: Sequence[TopicPartition] | None = None
) -> dict[str, dict[TopicPartition, int]]:
    """Each group's committed offsets: of `partitions` (-1 where it has none), or of every
    partition it committed. One OffsetFetch per coordinator; to poll, keep a `GroupOffsets`."""
    return GroupOffsets(admin, groups).committed(partitions)


class _OffsetFetchResponseV8(Response):  # type: ignore[misc]
    API_KEY = 9
    API_VERSION = 8
    FLEXIBLE_VERSION = True
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("groups", CompactArray(
            ("group_id", CompactString("utf-8")),
            ("topics", CompactArray(
                ("name", CompactString("utf-8")),
                ("partitions", CompactArray(
                    ("partition_index", Int32),
                    ("committed_offset", Int64),
                    ("committed_leader_epoch", Int32),
                    ("metadata", CompactString("utf-8")),
                    ("error_code", Int16),
                    ("tags", TaggedFields),
                )),
                ("tags", TaggedFields),
            )),
            ("error_code", Int16),
            ("tags", TaggedFields),
        )),
        ("tags", TaggedFields),
    )  # fmt: skip


class _OffsetFetchRequestV8(Request):  # type: ignore[misc]
    """OffsetFetch v8 (KIP-709, Kafka 3.0+): many groups in one request; kafka-python 2.3 stops at v5."""

    API_KEY = 9
    API_VERSION = 8
    FLEXIBLE_VERSION = True
    RESPONSE_TYPE = _OffsetFetchResponseV8
    SCHEMA = Schema(
        ("groups", CompactArray(
            ("group_id", CompactString("utf-8")),
            ("topics", CompactArray(
                ("name", CompactString("utf-8")),
                ("partition_indexes", CompactArray(Int32)),
                ("tags", TaggedFields),
            )),
            ("tags", TaggedFields),
        )),
        ("require_stable", Boolean),
        ("tags", TaggedFields),
    )  # fmt: skip


class GroupOffsets:
    """Polls the committed offsets of several groups: one OffsetFetch per coordinator per poll
    (the coordinators are looked up once, and again when one has moved)."""

    def __init__(self, admin: KafkaAdminClient, groups: Sequence[str]) -> None:
        self._admin, self._groups = admin, list(groups)
        self._coordinators: dict[int, list[str]] | None = None

    def committed(
        self, partitions: Sequence[TopicPartition] | None = None
    ) -> dict[str, dict[TopicPartition, int]]:
        """Each group's committed offset of each of `partitions` (-1 where it has none), or of
        every partition it committed."""
        if not self._groups:
            return {}
        try:
            return self._fetch(partitions)
        except Exception:  # a coordinator moved or went away: look them up again, once
            self._coordinators = None
            return self._fetch(partitions)

    def _fetch(self, partitions: Sequence[TopicPartition] | None) -> dict[str, dict[TopicPartition, int]]:
        if self._coordinators is None:
            by_node: dict[int, list[str]] = {}
            for group, node in self._admin._find_coordinator_ids(self._groups).items():
                by_node.setdefault(node, []).append(group)
            self._coordinators = by_node
        topics: list[tuple[str, list[int], dict[str, Any]]] | None = None  # null: all committed
        if partitions is not None:
            by_topic: dict[str, list[int]] = {}
            for tp in partitions:
                by_topic.setdefault(tp.topic, []).append(tp.partition)
            topics = [(name, parts, {}) for name, parts in by_topic.items()]
        out: dict[str, dict[TopicPartition, int]] = {}
        for node, groups in self._coordinators.items():
            request = _OffsetFetchRequestV8(
                groups=[(g, topics, {}) for g in groups], require_stable=False, tags={}
            )
            future = self._admin._send_request_to_node(node, request)
            self._admin._wait_for_futures([future])
            for group in future.value.to_object()["groups"]:
                if group["error_code"]:
                    raise for_code(group["error_code"])(f"OffsetFetch of {group['group_id']}")
                out[group["group_id"]] = {
                    TopicPartition(t["name"], p["partition_index"]): p["committed_offset"]
                    for t in group["topics"]
                    for p in t["partitions"]
                }
        return out

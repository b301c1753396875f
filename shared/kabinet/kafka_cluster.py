"""What the Kafka cluster says — brokers, partitions, topic configs, consumer groups — as plain values.

The one module that knows the shapes of kafka-python's admin answers (they changed between its
major versions: 3.0 renamed the metadata fields and added group helpers that 2.3 lacks);
every caller reads these functions, never a raw answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

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


def topic_states(admin: KafkaAdminClient, topics: Sequence[str]) -> list[TopicState]:
    """Each topic's error code and partitions (leader, in-sync replicas), by partition number."""
    return topics_and_cluster(admin, topics)[0]


def topics_and_cluster(admin: KafkaAdminClient, topics: Sequence[str]) -> tuple[list[TopicState], Cluster]:
    """`topic_states` and `cluster` from one metadata round trip."""
    info = _metadata(admin, list(topics))
    return broker_verdict.topic_states(info["topics"]), _cluster(info)


def leaders(admin: KafkaAdminClient, topic: str) -> dict[int, int]:
    """Partition → its leader's broker id (-1 while it has none)."""
    return {p.partition: p.leader for t in topic_states(admin, [topic]) for p in t.partitions}


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
    admin: KafkaAdminClient, groups: Iterable[str], partitions: Sequence[TopicPartition] | None = None
) -> dict[str, dict[TopicPartition, int]]:
    """Each group's committed offsets: of `partitions` (-1 where it has none), or of every
    partition it committed."""
    out: dict[str, dict[TopicPartition, int]] = {}
    for group in groups:
        offsets = admin.list_consumer_group_offsets(group, partitions=partitions)
        out[group] = {TopicPartition(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}
    return out

"""Jellyfin's and Emby's collections: the pure decisions (which box set is the collection's, which
movies it lacks, which image to upload) and the emulated servers' collection and image API as the
real ones answer it."""
from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from metarr.players.http import PlayerProtocolError
from metarr.players.jellyfin_sets import Image as Ours
from metarr.players.jellyfin_sets import find_boxset, image_action, match_members
from metarr.players.kinds import kind_of
from metarr.players.model import PlayerConn
from metarr.players.plan import norm

from .test_clients import LOOP


def test_the_collection_is_the_box_set_of_its_exact_name():
    found = [{"Id": "a", "Name": "Alien Collection (Extended)", "Type": "BoxSet"},
             {"Id": "b", "Name": "alien collection", "Type": "BoxSet", "ChildCount": 1},
             {"Id": "c", "Name": "Alien Collection", "Type": "BoxSet", "ChildCount": 0},
             {"Id": "d", "Name": "Alien Collection", "Type": "BoxSet", "ChildCount": 3}]
    assert find_boxset("Alien Collection", found)["Id"] == "d"        # the exact name, the fuller one
    assert find_boxset("Alien Collection", found[:2])["Id"] == "b"    # the same name in another case
    assert find_boxset("Alien", found) is None                        # a search hit is no match


def test_members_are_found_by_their_files_and_a_disc_by_its_folder():
    index = {norm("/m/A (1979)/A (1979).mkv"): "1", norm("/m/B/VIDEO_TS/VIDEO_TS.IFO"): "2"}
    ids, missing = match_members(["/m/A (1979)/A (1979).mkv", "/m/B", "/m/C/C.mkv"], index)
    assert ids == ["1", "2"] and missing == ["/m/C/C.mkv"]


def test_an_image_is_uploaded_unless_the_server_shows_one_of_its_size():
    ours = Ours("/c/p.jpg", "x", 1000, "image/jpeg")
    assert image_action(ours, [], "Primary") == "upload"
    assert image_action(ours, [{"ImageType": "Primary", "Size": 999}], "Primary") == "upload"
    assert image_action(ours, [{"ImageType": "Primary", "Size": 1000}], "Primary") == "compare"
    assert image_action(ours, [{"ImageType": "Backdrop", "ImageIndex": 1, "Size": 1000}], "Backdrop") == "upload"


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 30), (200, 10, 10)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize("name", ["jellyfin", "emby"])
def test_the_emulated_server_keeps_collections_and_images_as_the_real_one(emu, name):
    server = getattr(emu, name)
    client = kind_of(name).connect(PlayerConn(1, name, name, server.url, token=server.token, allow=LOOP))
    a = server.library.add_movie("/media/movies/A (1979)/A (1979).mkv")
    b = server.library.add_movie("/media/movies/B (1986)/B (1986).mkv")
    assert {m["Path"] for m in client.movies()} == {"/media/movies/A (1979)/A (1979).mkv",
                                                   "/media/movies/B (1986)/B (1986).mkv"}
    # Path only when asked for (Fields=Path)
    assert "Path" not in client.boxsets("x") and all("Path" not in m for m in client._items(
        IncludeItemTypes="Movie", Recursive="true")[0])
    box = client.create_collection("Alien Collection", [a])
    client.add_to_collection(box, [b, a])
    assert server.library.members(box) == ["/media/movies/A (1979)/A (1979).mkv", "/media/movies/B (1986)/B (1986).mkv"]
    assert [x["Id"] for x in client.boxsets("alien")] == [box]          # a search matches part of a name
    with pytest.raises(PlayerProtocolError) as e:
        client.add_to_collection(box, ["0" * 32])
    assert e.value.status == 400
    data = _jpeg()
    client.upload_image(box, "Primary", data, "image/jpeg")
    assert server.library.image(box) == data == client.image(box, "Primary")
    (info,) = client.image_infos(box)
    assert (info["ImageType"], info["Size"], info["Width"], info["Height"]) == ("Primary", len(data), 20, 30)
    up = server.requests[-3]
    assert up.path.endswith(f"/Items/{box}/Images/Primary") and base64.b64decode(up.body) == data
    # the body must be base64 with an image type, as Jellyfin's ImageController reads it
    with pytest.raises(PlayerProtocolError) as e:
        client._req("POST", f"/Items/{box}/Images/Primary", data, headers={"Content-Type": "image/jpeg"})
    assert e.value.status == 500
    with pytest.raises(PlayerProtocolError) as e:
        client._req("POST", f"/Items/{box}/Images/Primary", base64.b64encode(data),
                    headers={"Content-Type": "application/octet-stream"})
    assert e.value.status == 415
    with pytest.raises(PlayerProtocolError) as e:
        client.image_infos("f" * 32)
    assert e.value.status == 404


def test_plex_collection_is_found_by_its_title_in_a_section():
    from metarr.players.plex_plan import find_collection
    listed = [{"ratingKey": "7", "title": "Alien Collection (Extended)"}, {"ratingKey": "8", "title": "alien collection"},
              {"ratingKey": "9", "title": "Alien Collection"}]
    assert find_collection("Alien Collection", listed) == "9"
    assert find_collection("Alien Collection", listed[:2]) == "8"
    assert find_collection("Alien", listed) is None

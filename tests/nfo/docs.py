"""Fully populated NFO documents, one per kind, shared by golden and round-trip tests."""
from __future__ import annotations

from decimal import Decimal

from metarr.nfo import (
    Actor,
    AlbumArtist,
    AlbumNfo,
    ArtistNfo,
    ArtLink,
    AudioStream,
    EpisodeNfo,
    EpisodesNfo,
    MovieNfo,
    MovieSet,
    NamedSeason,
    Rating,
    StreamDetails,
    SubtitleStream,
    TvShowNfo,
    VideoStream,
)

MOVIE = MovieNfo(
    uniqueids={"tmdb": "603", "imdb": "tt0133093"},
    title="The Matrix",
    originaltitle="The Matrix",
    sorttitle="Matrix 1",
    ratings=(
        Rating(name="tmdb", value=Decimal("8.2"), votes=25123, default=True),
        Rating(name="imdb", value=Decimal("8.7"), votes=2012345),
    ),
    userrating=Decimal("9.5"),
    outline="A hacker learns the truth.",
    plot='Thomas "Neo" Anderson learns that reality is a simulation <run by machines> & fights back.\n'
         "Second paragraph.",
    tagline="Welcome to the Real World.",
    runtime=136,
    mpaa="Rated R",
    genres=("Action", "Science Fiction"),
    countries=("United States of America",),
    set=MovieSet(name="The Matrix Collection", overview="The Matrix trilogy & more."),
    tags=("cyberpunk", "dystopia"),
    credits=("Lana Wachowski", "Lilly Wachowski"),
    directors=("Lana Wachowski", "Lilly Wachowski"),
    premiered="1999-03-30",
    year=1999,
    studios=("Warner Bros. Pictures", "Village Roadshow Pictures"),
    trailer="plugin://plugin.video.youtube/play/?video_id=vKQi3bBA1y8",
    streamdetails=StreamDetails(
        video=(VideoStream(codec="hevc", aspect=Decimal("2.40"), width=3840, height=1600,
                           durationinseconds=8160, hdrtype="hdr10"),),
        audio=(AudioStream(codec="truehd", language="eng", channels=8),
               AudioStream(codec="ac3", language="deu", channels=6)),
        subtitle=(SubtitleStream(language="eng"), SubtitleStream(language="fra")),
    ),
    actors=(
        Actor(name="Keanu Reeves", role="Thomas A. Anderson / Neo", order=0,
              thumb="https://image.tmdb.org/t/p/original/4D0PpNI0kmP58hgrwGC3wCjxhnm.jpg"),
        Actor(name="Carrie-Anne Moss", role="Trinity", order=1, thumb=".actors/Carrie-Anne_Moss.jpg"),
        Actor(name="Hugo Weaving", order=3),
    ),
    dateadded="2024-05-01 12:30:00",
    thumbs=(ArtLink(url="https://example.org/poster.jpg", aspect="poster", preview="https://example.org/p.jpg"),),
    fanart=(ArtLink(url="https://example.org/fanart.jpg"),),
    unknown=("<playcount>2</playcount>",),
)

TVSHOW = TvShowNfo(
    uniqueids={"tvdb": "81189", "tmdb": "1396", "imdb": "tt0903747"},
    title="Breaking Bad",
    originaltitle="Breaking Bad",
    sorttitle="Breaking Bad",
    ratings=(Rating(name="tvdb", value=Decimal("9.3"), votes=1200, default=True),
             Rating(name="themoviedb", value=Decimal("8.9"), votes=13000)),
    userrating=Decimal("10"),
    plot="A chemistry teacher turns to crime.",
    runtime=47,
    mpaa="TV-MA",
    genres=("Drama", "Crime"),
    countries=("US",),
    tags=("chemistry",),
    credits=("Vince Gilligan",),
    directors=("Vince Gilligan",),
    premiered="2008-01-20",
    year=2008,
    status="Ended",
    studios=("AMC",),
    actors=(Actor(name="Bryan Cranston", role="Walter White", order=0,
                  thumb="https://image.tmdb.org/t/p/original/7Jahy5LZX2Fo8fGJltMreAI49hC.jpg"),
            Actor(name="Aaron Paul", role="Jesse Pinkman", order=1)),
    namedseasons=(NamedSeason(number=1, name="Pilot Season"), NamedSeason(number=0, name="Minisodes")),
    dateadded="2024-05-02 08:00:00",
    unknown=('<episodeguide>{"tvdb": "81189", "tmdb": "1396"}</episodeguide>',),
)

EPISODE = EpisodeNfo(
    uniqueids={"tvdb": "349232", "tmdb": "62085", "imdb": "tt0959621"},
    title="Pilot",
    showtitle="Breaking Bad",
    ratings=(Rating(name="themoviedb", value=Decimal("8.3"), votes=250, default=True),),
    userrating=Decimal("7.5"),
    season=1,
    episode=1,
    plot="Walter White, a chemistry teacher, is diagnosed with cancer.",
    runtime=58,
    credits=("Vince Gilligan",),
    directors=("Vince Gilligan",),
    aired="2008-01-20",
    streamdetails=StreamDetails(
        video=(VideoStream(codec="h264", aspect=Decimal("1.78"), width=1920, height=1080,
                           durationinseconds=3480),),
        audio=(AudioStream(codec="eac3", language="eng", channels=6),),
    ),
    actors=(Actor(name="Bryan Cranston", role="Walter White", order=0),),
    dateadded="2024-05-02 08:00:00",
)

EPISODES_SINGLE = EpisodesNfo(episodes=(EPISODE,))

EPISODES_MULTI = EpisodesNfo(episodes=(
    EpisodeNfo(uniqueids={"tvdb": "4000001"}, title="The Beginning (1)", showtitle="Example Show",
               season=2, episode=3, displayseason=0, displayepisode=1, aired="2010-09-01",
               plot="Part one.", runtime=22),
    EpisodeNfo(uniqueids={"tvdb": "4000002", "tmdb": "900002"}, title="The Beginning (2)",
               showtitle="Example Show", season=2, episode=4, aired="2010-09-01", plot="Part two.",
               runtime=22, unknown=("<playcount>1</playcount>",)),
))

ARTIST = ArtistNfo(
    name="Simon & Garfunkel",
    musicbrainzartistid="5d02f264-e225-41ff-83f7-d9b1f0b1874a",
    sortname="Simon & Garfunkel",
    disambiguation="folk duo",
    genres=("Folk", "Rock"),
    styles=("Folk Rock",),
    moods=("Mellow", "Reflective"),
    formed="1957",
    disbanded="2010",
    biography="American folk rock duo.\nThey sold many records.",
    unknown=('<thumb aspect="thumb">https://example.org/sg.jpg</thumb>',),
)

ALBUM = AlbumNfo(
    title="Bridge over Troubled Water",
    musicbrainzalbumid="d9ae2b4c-2dc6-3d84-8c16-1d4a7f1b6c06",
    musicbrainzreleasegroupid="0d4b7bb4-2a43-3a84-96a1-b3c5a3f68b3e",
    artistdesc="Simon & Garfunkel",
    artists=(AlbumArtist(name="Paul Simon", musicbrainzartistid="05517043-ff78-4988-9c22-88c68588ebb9"),
             AlbumArtist(name="Art Garfunkel")),
    genres=("Folk",),
    styles=("Folk Rock",),
    moods=("Wistful",),
    review="Their final studio album <and best>.",
    releasedate="1970-01-26",
    year=1970,
    label="Columbia",
    unknown=("<compilation>false</compilation>",),
)

GOLDEN = {
    "movie.nfo": MOVIE,
    "tvshow.nfo": TVSHOW,
    "episode.nfo": EPISODES_SINGLE,
    "episode-multi.nfo": EPISODES_MULTI,
    "artist.nfo": ARTIST,
    "album.nfo": ALBUM,
}

-- The teams of the DW (tb_dim_equipe, which facts and registrations point to) with their MS
-- type from the operational schema (tb_equipe -> tb_tipo_equipe.nu_ms), joined by INE: the DW
-- itself has no type. eSF is '70', eAP '76'; only those take part in the quality component
-- (C1-C7). When the operational schema has several rows for one INE, the active one with the
-- highest id wins. One row per DW team.
with

equipes_dw as (

    select * from {{ ref('stg_pec__dim_equipe') }}
    where {{ escopo_municipio() }}

),

equipes as (

    select * from {{ ref('stg_pec__equipe') }}
    where {{ escopo_municipio() }}

),

tipos_equipe as (

    select * from {{ ref('stg_pec__tipo_equipe') }}
    where {{ escopo_municipio() }}

),

tipo_por_ine as (

    select distinct on (equipes.co_municipio_ibge, equipes.nu_ine)
        equipes.co_municipio_ibge,
        equipes.nu_ine,
        tipos_equipe.nu_ms,
        tipos_equipe.sg_tipo_equipe
    from equipes
    left join tipos_equipe
        on
            equipes.co_municipio_ibge = tipos_equipe.co_municipio_ibge
            and equipes.tp_equipe = tipos_equipe.co_seq_tipo_equipe
    where equipes.nu_ine is not null
    order by
        equipes.co_municipio_ibge asc,
        equipes.nu_ine asc,
        coalesce(equipes.is_ativo, true) desc,
        equipes.co_seq_equipe desc

),

final as (

    select
        equipes_dw.co_municipio_ibge,
        equipes_dw.co_seq_dim_equipe,
        equipes_dw.nu_ine,
        equipes_dw.no_equipe,
        tipo_por_ine.nu_ms as nu_tipo_equipe,
        case tipo_por_ine.nu_ms
            when '70' then 'eSF'
            when '76' then 'eAP'
            else tipo_por_ine.sg_tipo_equipe
        end as ds_tipo_equipe,
        coalesce(tipo_por_ine.nu_ms in ('70', '76'), false) as is_equipe_elegivel
    from equipes_dw
    left join tipo_por_ine
        on
            equipes_dw.co_municipio_ibge = tipo_por_ine.co_municipio_ibge
            and equipes_dw.nu_ine = tipo_por_ine.nu_ine
    where equipes_dw.nu_ine is not null

)

select * from final
